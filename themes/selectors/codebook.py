"""The codebook tree and a user's recently used themes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Count,
)

from ..models import (
    Coding,
    Theme,
    consent_filter_broad,
    excluded_participant_ids,
)
from .filters import _visible


@dataclass
class ThemeNode:
    theme: Theme
    depth: int
    count: int  # visible, consented codings of this theme
    total: int  # ... of it and its sub-themes
    path: str


def codebook_tree(
    *, user, include_retired: bool = True, counts: dict[int, int] | None = None
) -> list[ThemeNode]:
    """The codebook in tree order with counts of visible, consented codings (pass `counts`
    to reuse figures already computed, or {} when none are needed)."""
    themes = list(Theme.objects.all())
    if counts is None:
        counts = dict(
            _visible(Coding.objects.all(), user)
            .filter(consent_filter_broad(excluded_participant_ids()))
            .values("theme_id")
            .annotate(n=Count("pk"))
            .values_list("theme_id", "n")
        )
    children: dict[int | None, list[Theme]] = defaultdict(list)
    for theme in themes:
        children[theme.parent_id].append(theme)
    nodes: list[ThemeNode] = []

    def visit(parent_id, depth, prefix) -> int:
        subtotal = 0
        for theme in sorted(children.get(parent_id, []), key=lambda t: (t.order, t.name.lower())):
            path = f"{prefix} › {theme.name}" if prefix else theme.name
            node = ThemeNode(theme, depth, counts.get(theme.pk, 0), 0, path)
            if include_retired or not theme.retired:
                nodes.append(node)
            node.total = node.count + visit(theme.pk, depth + 1, path)
            subtotal += node.total
        return subtotal

    visit(None, 0, "")
    return nodes


def theme_recent_ids(*, user, limit: int = 8) -> list[int]:
    """Themes the user applied most recently, newest first (reads the last 200 codings)."""
    recent: list[int] = []
    for theme_id in (
        Coding.objects.filter(coder=user).order_by("-created_at").values_list("theme_id", flat=True)
    )[:200]:
        if theme_id not in recent:
            recent.append(theme_id)
            if len(recent) == limit:
                break
    return recent
