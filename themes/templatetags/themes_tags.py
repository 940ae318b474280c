from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def shade(value: int, maximum: int) -> int:
    """Shading step 0–5 for a matrix cell (0 means empty)."""
    if not value or not maximum:
        return 0
    return max(1, min(5, round(5 * value / maximum)))


@register.filter
def at(sequence, index: int):
    try:
        return sequence[index]
    except (IndexError, KeyError, TypeError):
        return None


@register.filter
def indent(depth: int) -> str:
    return f"ps-{min(depth * 3, 5)}" if depth else ""
