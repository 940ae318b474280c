"""The pack's conceptual tools that workshops.svg does not draw: the blank triangle, a blank
third-generation diagram, the expansive learning cycle and the timeline template (DOMAIN A5,
A6). Plain SVG strings, as in workshops.svg and for the same reasons (exact, accessible
markup: role="img", <title>, <desc>; deterministic output).

Each tool also comes as a grid of cells: python-docx cannot embed SVG, and a table keeps the
tool editable in Word (a facilitator can type into the triangle's corners), where a raster
image could only be looked at.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from ..models import Element, LearningAction
from ..svg import EDGES, LAYOUT, LINE_COLOUR, clean

INK = "#1b1b1b"
HIGHLIGHT = "#fff3c4"
BOLD = ' font-weight="bold"'
FONT = 'font-family="Arial, Helvetica, sans-serif"'
LABELS = dict(Element.choices)


@dataclass
class Diagram:
    """A conceptual tool: vector drawing for the PDF and the page, a text alternative, and a
    grid of cells the DOCX lays out as a Word table (python-docx cannot embed SVG)."""

    key: str
    title: str
    svg: SafeString
    alt: str
    grid: list[list[str]]
    note: str = ""


def _svg(
    *, key: str, width: int, height: int, title: str, desc: str, body: list[str]
) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="pack-diagram" '
        f'aria-labelledby="pack-{key}-title pack-{key}-desc" {FONT} font-size="14">'
        f'<title id="pack-{key}-title">{clean(title)}</title>'
        f'<desc id="pack-{key}-desc">{clean(desc)}</desc>'
        '<rect width="100%" height="100%" fill="#ffffff"/>'
    )
    # Every text is escaped by `clean` as it is placed.
    return mark_safe(head + "\n".join(body) + "</svg>\n")  # noqa: S308


def _line(x1: float, y1: float, x2: float, y2: float, extra: str = "") -> str:
    return (
        f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" '
        f'stroke="{LINE_COLOUR}" stroke-width="1.5"{extra}/>'
    )


# --- the activity-system triangle, blank ---------------------------------------------------

BOX_H = 90
ROW_Y = (40, 190, 340)


def _blank_system(offset: float = 0, mirror: bool = False, scale: float = 1.0) -> list[str]:
    out = []
    centres = {}
    for element, (cx, width, row) in LAYOUT.items():
        x = offset + (1000 - cx if mirror else cx) * scale
        y = ROW_Y[row] * scale + 20
        centres[element] = (x, y + BOX_H * scale / 2, width * scale)
    for a, b in EDGES:
        (x1, y1, _), (x2, y2, _) = centres[a], centres[b]
        out.append(_line(x1, y1, x2, y2))
    obj, outcome = centres[Element.OBJECT], centres[Element.OUTCOME]
    out.append(_line(obj[0], obj[1], outcome[0], outcome[1]))
    for element, (x, y, width) in centres.items():
        h = BOX_H * scale
        out.append(
            f'<rect x="{x - width / 2:.0f}" y="{y - h / 2:.0f}" width="{width:.0f}" '
            f'height="{h:.0f}" rx="6" fill="#ffffff" stroke="{LINE_COLOUR}"/>'
            f'<text x="{x - width / 2 + 10:.0f}" y="{y - h / 2 + 20:.0f}" font-weight="bold" '
            f'fill="{INK}">{clean(LABELS[element])}</text>'
        )
    return out


def triangle_grid(texts_by_label: dict[str, list[str]]) -> list[list[str]]:
    """The triangle as a 3×4 table: instruments on top; subject, object, outcome in the
    middle; rules, community, division of labour below."""

    def cell(element: str) -> str:
        label = LABELS[element]
        entries = texts_by_label.get(label, [])
        return label + ("\n" + "\n".join(f"• {t}" for t in entries) if entries else "\n\n\n")

    return [
        ["", cell(Element.INSTRUMENTS), "", ""],
        [cell(Element.SUBJECT), "", cell(Element.OBJECT), cell(Element.OUTCOME)],
        [cell(Element.RULES), cell(Element.COMMUNITY), cell(Element.DIVISION_OF_LABOUR), ""],
    ]


def blank_triangle() -> Diagram:
    title = "Blank activity-system triangle"
    return Diagram(
        key="triangle",
        title=title,
        svg=_svg(
            key="triangle",
            width=1000,
            height=480,
            title=title,
            desc=(
                "Engeström's triangle with its seven elements left empty to fill in: "
                "instruments at the top; subject, object and outcome in the middle row "
                "(an arrow from object to outcome); rules, community and division of labour "
                "at the base. Lines join subject, instruments and object, and each of them to "
                "rules, community and division of labour."
            ),
            body=_blank_system(),
        ),
        alt=(
            "A blank activity-system triangle to fill in: instruments at the top; subject, "
            "object and outcome in the middle; rules, community and division of labour at the "
            "base."
        ),
        grid=triangle_grid({}),
    )


def third_generation_grid(central: str, neighbour: str, shared: list[str]) -> list[list[str]]:
    rows = [["", f"Central: {central}", "Shared object", f"Neighbour: {neighbour}"]]
    for n, (_value, label) in enumerate(Element.choices):
        middle = "\n".join(f"• {t}" for t in shared) if n == 0 and shared else ""
        rows.append([label, "", middle, ""])
    return rows


def blank_third_generation() -> Diagram:
    title = "Third-generation diagram (two activity systems and their shared object)"
    # Two systems at 0.6 scale; the neighbour mirrored so both outcomes face the middle.
    scale, right, centre = 0.6, 748, 674
    body = _blank_system(offset=0, scale=scale) + _blank_system(
        offset=right, mirror=True, scale=scale
    )
    cy = ROW_Y[1] * scale + 20 + BOX_H * scale / 2
    left_outcome = LAYOUT[Element.OUTCOME][0] * scale + LAYOUT[Element.OUTCOME][1] * scale / 2
    right_outcome = right + (1000 - LAYOUT[Element.OUTCOME][0]) * scale
    right_outcome -= LAYOUT[Element.OUTCOME][1] * scale / 2
    body.append(_line(left_outcome, cy, centre - 70, cy, ' stroke-dasharray="4 3"'))
    body.append(_line(centre + 70, cy, right_outcome, cy, ' stroke-dasharray="4 3"'))
    body.append(
        f'<ellipse cx="{centre}" cy="{cy:.0f}" rx="70" ry="38" fill="#fff8e1" '
        'stroke="#5b6770" stroke-dasharray="6 4"/>'
        f'<text x="{centre}" y="{cy - 4:.0f}" text-anchor="middle" font-weight="bold" '
        f'fill="{INK}">Shared</text>'
        f'<text x="{centre}" y="{cy + 14:.0f}" text-anchor="middle" font-weight="bold" '
        f'fill="{INK}">object</text>'
    )
    return Diagram(
        key="third_generation",
        title=title,
        svg=_svg(
            key="third_generation",
            width=1350,
            height=300,
            title=title,
            desc=(
                "Two blank activity-system triangles side by side, the right one mirrored so "
                "both objects face the middle, where an oval marks their partially shared "
                "object. The site has no linked neighbour model yet: fill in both systems."
            ),
            body=body,
        ),
        alt=(
            "Two blank activity systems (the team's and a neighbour's, such as a school or "
            "CAMHS) whose objects meet in a partially shared object in the middle."
        ),
        grid=third_generation_grid("the team", "a neighbour (school, CAMHS…)", []),
        note="No neighbour model is linked to the site's model yet.",
    )


# --- the expansive learning cycle ---------------------------------------------------------


def expansive_cycle(targeted: list[str]) -> Diagram:
    """The seven learning actions clockwise round a circle, those this session targets
    highlighted."""
    actions = list(LearningAction.choices)
    cx, cy, rx, ry = 500, 300, 330, 230
    body = [
        f'<ellipse cx="{cx}" cy="{cy}" rx="{rx}" ry="{ry}" fill="none" stroke="{LINE_COLOUR}" '
        'stroke-width="1.5" stroke-dasharray="2 6"/>'
    ]
    points = []
    for n, _ in enumerate(actions):
        angle = -math.pi / 2 + 2 * math.pi * n / len(actions)
        points.append((cx + rx * math.cos(angle), cy + ry * math.sin(angle)))
    for n, (x, y) in enumerate(points):
        nx, ny = points[(n + 1) % len(points)]
        # An arrow from each action to the next, stopping short of the boxes.
        dx, dy = nx - x, ny - y
        length = math.hypot(dx, dy)
        ux, uy = dx / length, dy / length
        # Leave the box (170 × 48) along the line, whatever its slope.
        gap = min(85 / max(abs(ux), 1e-6), 24 / max(abs(uy), 1e-6)) + 8
        sx, sy, ex, ey = x + ux * gap, y + uy * gap, nx - ux * gap, ny - uy * gap
        body.append(_line(sx, sy, ex, ey))
        body.append(
            f'<polygon points="{ex:.0f},{ey:.0f} {ex - 10 * ux - 5 * uy:.0f},'
            f"{ey - 10 * uy + 5 * ux:.0f} {ex - 10 * ux + 5 * uy:.0f},"
            f'{ey - 10 * uy - 5 * ux:.0f}" fill="{LINE_COLOUR}"/>'
        )
    for n, ((value, label), (x, y)) in enumerate(zip(actions, points, strict=True), start=1):
        on = value in targeted
        body.append(
            f'<rect x="{x - 85:.0f}" y="{y - 24:.0f}" width="170" height="48" rx="8" '
            f'fill="{HIGHLIGHT if on else "#ffffff"}" stroke="{INK if on else LINE_COLOUR}" '
            f'stroke-width="{3 if on else 1.5}"/>'
            f'<text x="{x:.0f}" y="{y + 5:.0f}" text-anchor="middle" fill="{INK}"'
            f"{BOLD if on else ''}>{n}. {clean(label)}</text>"
        )
    chosen = [label for value, label in actions if value in targeted]
    targeted_words = (
        "This session targets: " + ", ".join(chosen) + " (highlighted)."
        if chosen
        else "No learning actions are targeted for this session yet."
    )
    title = "The expansive learning cycle"
    order = ", ".join(f"{n}. {label}" for n, (_v, label) in enumerate(actions, start=1))
    return Diagram(
        key="cycle",
        title=title,
        svg=_svg(
            key="cycle",
            width=1000,
            height=600,
            title=title,
            desc=f"The seven expansive learning actions clockwise round a circle: {order}. "
            + targeted_words,
            body=body,
        ),
        alt=f"The seven learning actions in a cycle, each leading to the next: {order}. "
        + targeted_words,
        grid=[["Step", "Learning action", "This session"]]
        + [
            [str(n), label, "Targeted" if value in targeted else ""]
            for n, (value, label) in enumerate(actions, start=1)
        ],
    )


# --- the timeline template ----------------------------------------------------------------


def timeline_template() -> Diagram:
    title = "Timeline template (past, present, future)"
    body = [
        _line(40, 150, 940, 150, ' stroke-width="3"'),
        f'<polygon points="960,150 940,140 940,160" fill="{LINE_COLOUR}"/>',
    ]
    for n, label in enumerate(("Past", "Present", "Future")):
        x0 = 40 + n * 300
        body.append(
            f'<rect x="{x0 + 5}" y="40" width="290" height="90" rx="6" fill="#ffffff" '
            f'stroke="{LINE_COLOUR}"/>'
            f'<text x="{x0 + 15}" y="62" font-weight="bold" fill="{INK}">{label}: events, '
            "changes</text>"
            f'<rect x="{x0 + 5}" y="170" width="290" height="90" rx="6" fill="#ffffff" '
            f'stroke="{LINE_COLOUR}"/>'
            f'<text x="{x0 + 15}" y="192" font-weight="bold" fill="{INK}">{label}: troubles, '
            "tools</text>"
        )
        for tick in range(1, 4):
            x = x0 + tick * 75
            body.append(_line(x, 142, x, 158))
    return Diagram(
        key="timeline",
        title=title,
        svg=_svg(
            key="timeline",
            width=1000,
            height=280,
            title=title,
            desc=(
                "A horizontal time arrow divided into past, present and future, with ticks to "
                "mark dates; above each part a box for events and changes, below it a box for "
                "troubles and the tools in use. All boxes are blank to fill in."
            ),
            body=body,
        ),
        alt=(
            "A blank timeline from past through present to future: above the line, events "
            "and changes; below it, troubles and tools; to fill in."
        ),
        grid=[
            ["", "Past", "Present", "Future"],
            ["Events, changes (with dates)", "", "", ""],
            ["Troubles, tools in use", "", "", ""],
        ],
    )
