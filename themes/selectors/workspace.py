"""What the coding workspace reads: blind exercises, a source's codings as plain rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from fieldwork.models import Source

from ..models import (
    AgreementExercise,
    Coding,
    Theme,
)


def blind_exercises_of(*, user) -> list[AgreementExercise]:
    """The open blind exercises in which `user` codes: while they last, other coders' work on
    their sources is left out of what the user sees (`blind_filter`)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        AgreementExercise.objects.filter(coders=user, blind=True, closed=False).order_by("name")
    )


def blind_exercise_for(*, source: Source, user) -> AgreementExercise | None:
    """The open blind exercise in which `user` codes `source`, if any."""
    return AgreementExercise.objects.filter(
        sources=source, coders=user, blind=True, closed=False
    ).first()


@dataclass(slots=True)
class WorkspaceCoding:
    """A coding as the workspace shows it: the fields of `Coding` that `turns_html` and
    `coding_payload` read, with its theme and coder (plain rows: a source may carry hundreds
    of codings and building model instances was a third of the page's time)."""

    pk: int
    theme_id: int
    coder_id: int | None
    start: int
    end: int
    memo: str
    needs_review: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    theme: Theme
    coder: object | None


def source_codings(
    *,
    source: Source,
    user,
    blind: bool,
    span: tuple[int, int] | None = None,
    pks: list[int] | None = None,
) -> list[WorkspaceCoding]:
    """The codings of `source` (only those overlapping `span`, a `[start, end)` range, or
    among `pks`, when given) with theme and coder attached, in text order; one query. The
    few distinct themes and coders are built once each, not once per row."""
    # `blind` (from `blind_exercise_for`) applies the one blind rule to this source alone.
    qs = Coding.objects.filter(source=source).unblinded_for(user, [source.pk] if blind else [])
    if span is not None:
        qs = qs.filter(start__lt=span[1], end__gt=span[0])
    if pks is not None:
        qs = qs.filter(pk__in=pks)
    rows = qs.order_by("start", "end", "pk").values_list(
        "pk",
        "theme_id",
        "coder_id",
        "start",
        "end",
        "memo",
        "needs_review",
        "created_at",
        "updated_at",
        "theme__name",
        "theme__colour",
        "coder__username",
        "coder__first_name",
        "coder__last_name",
    )
    user_model = Coding._meta.get_field("coder").related_model
    themes: dict[int, Theme] = {}
    coders: dict[int | None, object | None] = {None: None}
    codings = []
    for *fields, theme_name, colour, username, first_name, last_name in rows:
        theme_id, coder_id = fields[1], fields[2]
        theme = themes.get(theme_id)
        if theme is None:
            theme = themes[theme_id] = Theme(pk=theme_id, name=theme_name, colour=colour)
        if coder_id not in coders:
            coders[coder_id] = user_model(
                pk=coder_id, username=username, first_name=first_name, last_name=last_name
            )
        # `fields` are the row's leading columns, in WorkspaceCoding's field order.
        codings.append(WorkspaceCoding(*fields, theme, coders[coder_id]))  # type: ignore[call-arg]
    return codings
