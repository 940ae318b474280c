"""Writes for the themes app: codebook changes, codings, memos, agreement exercises.

Keyword-only, validated, atomic, audited. Permission checks (who may do what) are made by the
views through `sites.access`; the services enforce what must hold whoever calls them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from fieldwork.consent import withheld_turns
from fieldwork.models import Source
from fieldwork.selectors import participant_at, turn_participants
from sites.access import ApplicationError
from sites.models import Participant, Site
from sites.services import apply_changes, audit_record, field_snapshot

from .models import THEME_FIELDS, AgreementExercise, Coding, Memo, Theme

# A palette with enough contrast against white text labels, cycled for emergent themes.
# The longest memo (a coding's, a theme's or a source's): pages of thought, not a pasted file.
MEMO_MAX_LENGTH = 20_000
PALETTE = ["#1d3557", "#0b6e4f", "#8a3b12", "#6a1b9a", "#1565c0", "#ad1457", "#37474f"]


# --- codebook ---------------------------------------------------------------------------


def theme_create(
    *,
    actor,
    name: str,
    parent: Theme | None = None,
    definition: str = "",
    inclusion: str = "",
    exclusion: str = "",
    example: str = "",
    colour: str = "",
    codable: bool = True,
    order: int | None = None,
    seed_key: str = "",
) -> Theme:
    """Add a theme (emergent coding: any researcher may, while coding)."""
    if order is None:
        order = (Theme.objects.filter(parent=parent).aggregate(m=Max("order"))["m"] or 0) + 1
    theme = Theme(
        name=name,
        parent=parent,
        definition=definition,
        inclusion=inclusion,
        exclusion=exclusion,
        example=example,
        colour=colour or PALETTE[Theme.objects.count() % len(PALETTE)],
        codable=codable,
        order=order,
        seed_key=seed_key,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    theme.full_clean()
    with transaction.atomic():
        theme.save()
        audit_record(
            actor=actor,
            verb="theme.create",
            obj=theme,
            changes=field_snapshot(theme, THEME_FIELDS),
        )
    return theme


def theme_get_or_create(*, actor, name: str) -> Theme:
    """The codebook's theme called `name` (in any case), added if there is none: the
    emergent theme typed while coding. Race-safe: when coders add the same new name at once,
    the database's unique name refuses all inserts but one, and the others get that theme."""
    name = " ".join(name.split())
    for _attempt in range(2):
        existing = Theme.objects.filter(name__iexact=name).first()
        if existing is not None:
            return existing
        try:
            # A savepoint, so a refused insert leaves the caller's transaction usable.
            with transaction.atomic():
                return theme_create(actor=actor, name=name)
        except IntegrityError:
            continue  # another coder's insert won: read theirs
        except ValidationError:
            # Committed between our look-up and `full_clean`'s checks (the name rule or the
            # unique constraint): read theirs. Anything else is the user's to fix.
            if not Theme.objects.filter(name__iexact=name).exists():
                raise
    return Theme.objects.get(name__iexact=name)


def theme_update(*, theme: Theme, actor, **fields) -> Theme:
    """Rename, move (parent), redefine, recolour. Leads only (checked by the view)."""
    diff = apply_changes(theme, THEME_FIELDS, fields)
    theme.full_clean()
    if not theme.codable and theme.codings.exists():
        raise ValidationError({"codable": "This theme has codings, so it cannot be a folder."})
    with transaction.atomic():
        theme.save()
        if diff:
            verb = "theme.move" if set(diff) == {"parent"} else "theme.update"
            audit_record(actor=actor, verb=verb, obj=theme, changes=diff)
    return theme


@dataclass(frozen=True)
class ThemeMerged:
    """What a merge did, for the message shown to the lead."""

    into: Theme
    moved: int  # codings that now carry `into`
    folded: int  # codings deleted as repeats of one the coder had already made


def _fold_repeats(codings: Iterable[Coding], foldable: set[int] | None = None) -> tuple[int, int]:
    """Fold codings by the same coder on the same source and range into the first of them in
    the order given (only those in `foldable`, when given): the repeats are deleted, their
    memos appended to the kept coding's (a memo it already holds is not repeated) and a
    repeat's review flag carried over. Codings whose coder is gone are never folded (nobody
    can say they were the same person's). Returns (codings folded, memos carried over).
    Call inside a transaction."""
    kept: dict[tuple, Coding] = {}
    changed: dict[int, Coding] = {}
    folded: list[int] = []
    memos = 0
    now = timezone.now()
    for coding in codings:
        if coding.coder_id is None:
            continue
        keeper = kept.setdefault(
            (coding.source_id, coding.start, coding.end, coding.coder_id), coding
        )
        if keeper is coding or (foldable is not None and coding.pk not in foldable):
            continue
        folded.append(coding.pk)
        memo = coding.memo.strip()
        if memo and memo not in keeper.memo.split("\n\n"):
            keeper.memo = f"{keeper.memo}\n\n{memo}" if keeper.memo else memo
            memos += 1
        keeper.needs_review = keeper.needs_review or coding.needs_review
        # The memo editor's version guard compares `updated_at`: a changed memo gets a new one.
        keeper.updated_at = now
        changed[keeper.pk] = keeper
    Coding.objects.bulk_update(
        list(changed.values()), ["memo", "needs_review", "updated_at"], batch_size=500
    )
    Coding.objects.filter(pk__in=folded).delete()
    return len(folded), memos


_FOLD_COLUMNS = ("pk", "source_id", "start", "end", "coder_id", "memo", "needs_review")


def _fold_identical_codings(*, theme: Theme, into: Theme) -> tuple[int, int]:
    """Fold the codings of `theme` that repeat a coding of `into` (or an earlier one of its
    own): after the merge they would be the same passage coded twice by the same coder.
    Repeats already within `into` are left as they are (`codings_fold_repeats` folds those)."""
    moving = list(Coding.objects.filter(theme=theme).only(*_FOLD_COLUMNS).order_by("pk"))
    there = Coding.objects.filter(theme=into, source_id__in={c.source_id for c in moving})
    return _fold_repeats(
        [*there.only(*_FOLD_COLUMNS).order_by("pk"), *moving], foldable={c.pk for c in moving}
    )


def codings_fold_repeats(*, actor) -> dict[str, int]:
    """Fold, theme by theme, every coding repeating another of the same theme by the same
    coder on the same source and range (left by merges made before merges folded them).
    Returns {theme name: codings folded}; each theme's folding is audited."""
    repeated = (
        Coding.objects.filter(coder__isnull=False)
        .values("theme_id", "source_id", "start", "end", "coder_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by()
        .values_list("theme_id", "source_id")
    )
    sources_by_theme: dict[int, set[int]] = {}
    for theme_id, source_id in repeated:
        sources_by_theme.setdefault(theme_id, set()).add(source_id)
    result: dict[str, int] = {}
    with transaction.atomic():
        for theme in Theme.objects.filter(pk__in=list(sources_by_theme)).order_by("name"):
            codings = Coding.objects.filter(theme=theme, source_id__in=sources_by_theme[theme.pk])
            folded, memos = _fold_repeats(codings.only(*_FOLD_COLUMNS).order_by("pk"))
            audit_record(
                actor=actor,
                verb="theme.fold",
                obj=theme,
                changes={"codings_folded": folded, "coding_memos_carried_over": memos},
            )
            result[theme.name] = folded
    return result


def theme_merge(*, theme: Theme, into: Theme, actor) -> ThemeMerged:
    """Merge `theme` into `into`: its codings, memos and sub-themes move, then it is deleted.
    A coding repeating one its coder made with `into` (same source and range) is folded into
    it, its memo kept (`_fold_identical_codings`)."""
    if theme.pk == into.pk:
        raise ApplicationError("A theme cannot be merged into itself.")
    if theme.pk in into.descendant_ids() or into.pk in theme.descendant_ids():
        raise ApplicationError("A theme cannot be merged with its own parent or sub-theme.")
    if not into.codable and theme.codings.exists():
        raise ApplicationError(f"“{into}” is a folder, so it cannot receive codings.")
    with transaction.atomic():
        folded, memos_folded = _fold_identical_codings(theme=theme, into=into)
        moved = Coding.objects.filter(theme=theme).update(theme=into)
        memos = Memo.objects.filter(theme=theme).update(theme=into)
        children = Theme.objects.filter(parent=theme).update(parent=into)
        audit_record(
            actor=actor,
            verb="theme.merge",
            obj=into,
            changes={
                "merged": theme.name,
                "merged_pk": theme.pk,
                "codings_moved": moved,
                "codings_folded": folded,
                "coding_memos_carried_over": memos_folded,
                "memos_moved": memos,
                "subthemes_moved": children,
            },
        )
        theme.delete()
    return ThemeMerged(into=into, moved=moved, folded=folded)


def theme_retire(*, theme: Theme, actor, retired: bool = True) -> Theme:
    """Retired themes keep their codings but can no longer be applied."""
    if theme.retired == retired:
        return theme
    theme.retired = retired
    with transaction.atomic():
        theme.save(update_fields=["retired", "updated_at"])
        audit_record(
            actor=actor,
            verb="theme.retire" if retired else "theme.reinstate",
            obj=theme,
            changes={"retired": [not retired, retired]},
        )
    return theme


# --- codings ----------------------------------------------------------------------------


def coding_create(
    *, source: Source, theme: Theme, coder, start: int, end: int, memo: str = ""
) -> Coding:
    """Apply `theme` to `[start, end)` (code points) of `source.text`. Each coding is its own
    row, so concurrent coders never overwrite each other's work."""
    _check_memo_length(memo)
    if start is None or end is None or not (0 <= start < end <= len(source.text)):
        raise ValidationError(
            f"The selection [{start}, {end}) is not within the source text "
            f"(0 to {len(source.text)} characters)."
        )
    withheld = withheld_turns(
        source_ids=[source.pk], withdrawals=Participant.objects.withdrawals(), span=(start, end)
    ).get(source.pk)
    if withheld:
        date = withheld[0].date
        when = f" on {date.day} {date:%B %Y}" if date else ""
        raise ValidationError(
            f"These words cannot be coded: a participant they come from withdrew consent{when}."
        )
    participant_id = participant_at(
        turn_participants(source_id=source.pk, span=(start, end)), start, end
    )
    coding = Coding(
        source=source,
        site_id=source.site_id,
        theme=theme,
        coder=coder,
        start=start,
        end=end,
        memo=memo,
        participant_id=participant_id,
    )
    # The range was checked above (the `coding_range` constraint's rule), so the constraint
    # is not validated again with a query of its own; the database still enforces it.
    coding.full_clean(
        exclude=["source", "theme", "coder", "site", "participant"], validate_constraints=False
    )
    with transaction.atomic():
        coding.save()
        audit_record(
            actor=coder,
            verb="coding.create",
            obj=coding,
            site=source.site,
            changes={"theme": theme.name, "source": source.pk, "start": start, "end": end},
        )
    return coding


def _check_memo_length(memo: str) -> None:
    if len(memo) > MEMO_MAX_LENGTH:
        raise ValidationError(
            {"memo": f"A memo can be at most {MEMO_MAX_LENGTH:,} characters ({len(memo):,} sent)."}
        )


def coding_delete(*, coding: Coding, actor) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            verb="coding.delete",
            obj=coding,
            site=coding.site,
            changes={
                "theme": coding.theme.name,
                "source": coding.source_id,
                "start": coding.start,
                "end": coding.end,
                "coder": str(coding.coder),
            },
        )
        coding.delete()


def coding_set_memo(*, coding: Coding, actor, memo: str, version: str | None = None) -> Coding:
    """Set a coding's memo. `version` (the `updated_at` the editor saw) guards against
    silently overwriting a colleague's memo saved in the meantime."""
    _check_memo_length(memo)
    with transaction.atomic():
        current = Coding.objects.select_for_update().get(pk=coding.pk)
        if version and current.updated_at.isoformat() != version:
            raise ApplicationError(
                "Someone else changed this memo while you were editing. "
                "Reload the coding to see their version."
            )
        before = current.memo
        current.memo = memo.strip()
        current.needs_review = False if actor == current.coder else current.needs_review
        current.save(update_fields=["memo", "needs_review", "updated_at"])
        audit_record(
            actor=actor,
            verb="coding.memo",
            obj=current,
            site=coding.site,
            changes={"memo": [before, current.memo]},
        )
    return current


def codings_refresh_speakers(*, source: Source) -> int:
    """Recompute the denormalised participant of every coding of `source` (after its turns
    were re-mapped to other participants). Returns how many codings changed."""
    turns = turn_participants(source_id=source.pk)
    changed = []
    for coding in Coding.objects.filter(source=source).only("pk", "start", "end", "participant_id"):
        participant_id = participant_at(turns, coding.start, coding.end)
        if participant_id != coding.participant_id:
            coding.participant_id = participant_id
            changed.append(coding)
    Coding.objects.bulk_update(changed, ["participant_id"], batch_size=500)
    return len(changed)


def codings_reanchor(*, source: Source, old_text: str, remap=None) -> dict[str, int]:
    """Carry the codings of `source` over an edit of its text. Codings whose words were
    removed keep a one-character place at the edit and are flagged `needs_review`.
    `remap(anchors)` is fieldwork's re-anchoring with both texts bound."""
    from fieldwork.reanchor import Anchor, reanchor

    if remap is None:

        def remap(anchors):
            return reanchor(old_text, source.text, anchors)

    codings = {c.pk: c for c in Coding.objects.filter(source=source)}
    counts: dict[str, int] = {}
    length = len(source.text)
    with transaction.atomic():
        for result in remap([Anchor(c.pk, c.start, c.end) for c in codings.values()]):
            coding = codings[result.key]
            counts[result.status] = counts.get(result.status, 0) + 1
            start, end = result.start, result.end
            if result.status == "removed" or end <= start:
                # Keep a one-character range at the edit so the coding stays visible.
                start = max(0, min(start, length - 1))
                end = min(length, start + 1)
                coding.needs_review = True
            coding.start, coding.end = start, end
        Coding.objects.bulk_update(
            codings.values(), ["start", "end", "needs_review"], batch_size=500
        )
        codings_refresh_speakers(source=source)
        if codings:
            audit_record(
                actor=None,
                verb="coding.reanchor",
                obj=source,
                site=source.site,
                changes=counts,
            )
    return counts


def on_source_text_change(source: Source, old_text: str, remap=None) -> None:
    """Hook registered with fieldwork (`source_text_change_handlers`): re-anchor codings."""
    codings_reanchor(source=source, old_text=old_text, remap=remap)


def on_source_speaker_change(source: Source) -> None:
    """Hook registered with fieldwork (`speaker_change_handlers`): after a speaker map or
    merge, the codings' denormalised participant follows the turns."""
    codings_refresh_speakers(source=source)


# --- memos ------------------------------------------------------------------------------


def memo_create(
    *, author, text: str, theme: Theme | None = None, source: Source | None = None
) -> Memo:
    _check_memo_length(text)
    memo = Memo(
        author=author,
        text=text.strip(),
        theme=theme,
        source=source,
        site_id=source.site_id if source else None,
    )
    memo.full_clean(exclude=["author", "site"])
    with transaction.atomic():
        memo.save()
        audit_record(
            actor=author,
            verb="memo.create",
            obj=memo,
            site=source.site if source else None,
            changes={"text": memo.text},
        )
    return memo


def memo_delete(*, memo: Memo, actor) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor, verb="memo.delete", obj=memo, site=memo.site, changes={"text": memo.text}
        )
        memo.delete()


# --- inter-coder agreement --------------------------------------------------------------


def exercise_create(
    *,
    site: Site,
    name: str,
    sources: Iterable[Source],
    coders: Iterable,
    actor,
    blind: bool = True,
) -> AgreementExercise:
    sources, coders = list(sources), list(coders)
    if len(coders) < 2:
        raise ValidationError({"coders": "Choose at least two coders."})
    if not sources:
        raise ValidationError({"sources": "Choose at least one source."})
    if any(s.site_id != site.pk for s in sources):
        raise ValidationError({"sources": "Every source must belong to this site."})
    exercise = AgreementExercise(site=site, name=name.strip(), blind=blind, created_by=actor)
    exercise.full_clean(exclude=["created_by"])
    with transaction.atomic():
        exercise.save()
        exercise.sources.set(sources)
        exercise.coders.set(coders)
        audit_record(
            actor=actor,
            verb="agreement.create",
            obj=exercise,
            site=site,
            changes={
                "sources": [s.pk for s in sources],
                "coders": [str(c) for c in coders],
                "blind": blind,
            },
        )
    return exercise


def exercise_close(*, exercise: AgreementExercise, actor) -> AgreementExercise:
    """Closing lifts the blind: coders now see each other's codings to reconcile."""
    with transaction.atomic():
        exercise.closed = True
        exercise.save(update_fields=["closed"])
        audit_record(actor=actor, verb="agreement.close", obj=exercise, site=exercise.site)
    return exercise
