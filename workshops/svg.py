"""Server-side SVG drawings of activity systems: the second-generation triangle of one model
(Engeström's seven elements, every entry's text in its corner) and the third-generation view
of two models with their shared object between them.

The drawings are plain strings built here rather than with a drawing library: the figure is
seven text blocks and a dozen lines, and what matters is exact control of the markup for
accessibility (role="img", <title>, <desc>, a <title> per entry) and determinism (the same
model always gives byte-identical output, so it can be compared and cached).

Every entry's full text is present: visible, wrapped to at most `MAX_LINES` lines of its
block (the last cut with "…" when longer), and whole in the entry's own <title>. Entries are
user input: every text is stripped of characters XML cannot hold and escaped.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .analysis_selectors import ModelView
from .models import Element

FONT_SIZE = 13
LINE = 17  # px between baselines
CHAR_WIDTH = 7.1  # average advance of the sans-serif at FONT_SIZE, for wrapping
PAD = 10
MAX_LINES = 3
ROW_GAP = 56
FRAME_WIDTH = 1000
TOP = 56  # room for the heading
INK = "#1b1b1b"
MUTED = "#4a4a4a"
LINE_COLOUR = "#5b6770"

# element -> (centre x in a frame FRAME_WIDTH wide, block width, row)
LAYOUT: dict[str, tuple[int, int, int]] = {
    Element.INSTRUMENTS: (405, 280, 0),
    Element.SUBJECT: (150, 260, 1),
    Element.OBJECT: (660, 260, 1),
    Element.OUTCOME: (900, 180, 1),
    Element.RULES: (150, 260, 2),
    Element.COMMUNITY: (405, 240, 2),
    Element.DIVISION_OF_LABOUR: (660, 260, 2),
}
# The triangle's lines (Engeström 1987), between block centres.
EDGES = [
    (Element.INSTRUMENTS, Element.SUBJECT),
    (Element.INSTRUMENTS, Element.OBJECT),
    (Element.SUBJECT, Element.OBJECT),
    (Element.SUBJECT, Element.RULES),
    (Element.OBJECT, Element.DIVISION_OF_LABOUR),
    (Element.RULES, Element.COMMUNITY),
    (Element.COMMUNITY, Element.DIVISION_OF_LABOUR),
    (Element.SUBJECT, Element.COMMUNITY),
    (Element.OBJECT, Element.COMMUNITY),
]

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """Text safe to put in SVG: characters XML 1.0 forbids removed, whitespace collapsed,
    markup escaped."""
    return escape(" ".join(_NOT_XML.sub("", text).split()))


def wrap(text: str, width_px: int) -> list[str]:
    """The visible lines of one entry: wrapped to the block, at most MAX_LINES, the last
    ending in '…' when text was cut."""
    chars = max(8, int((width_px - 2 * PAD) / CHAR_WIDTH) - 2)  # 2 for the bullet
    plain = " ".join(_NOT_XML.sub("", text).split())
    lines = textwrap.wrap(plain, chars, break_long_words=True, break_on_hyphens=False) or [""]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        last = lines[-1]
        lines[-1] = (last[: chars - 1].rstrip() if len(last) >= chars else last) + "…"
    return lines


@dataclass
class Block:
    element: str
    label: str
    x: float  # centre
    width: int
    row: int
    entries: list[tuple[str, list[str]]]  # (full text, visible lines)
    top: float = 0

    @property
    def height(self) -> float:
        lines = sum(len(lines) for _, lines in self.entries) or 1  # "none yet"
        return 2 * PAD + LINE * (1 + lines) + 4

    @property
    def centre(self) -> tuple[float, float]:
        return self.x, self.top + self.height / 2


def _blocks(view: ModelView, *, offset: float, mirror: bool, top: float) -> list[Block]:
    texts = view.texts_by_element()
    blocks = []
    for value, label in Element.choices:
        cx, width, row = LAYOUT[value]
        x = offset + (FRAME_WIDTH - cx if mirror else cx)
        entries = [(text, wrap(text, width)) for text in texts.get(value, [])]
        blocks.append(Block(value, label, x, width, row, entries))
    rows: dict[int, float] = {}
    y = top
    for row in (0, 1, 2):
        rows[row] = y
        y += max(b.height for b in blocks if b.row == row) + ROW_GAP
    for block in blocks:
        block.top = rows[block.row]
    return blocks


def _fmt(n: float) -> str:
    return f"{n:.1f}".rstrip("0").rstrip(".")


def _line(a: tuple[float, float], b: tuple[float, float], extra: str = "") -> str:
    return (
        f'<line x1="{_fmt(a[0])}" y1="{_fmt(a[1])}" x2="{_fmt(b[0])}" y2="{_fmt(b[1])}" '
        f'stroke="{LINE_COLOUR}" stroke-width="1.5"{extra}/>'
    )


def _block_markup(block: Block, *, fill: str = "#ffffff") -> list[str]:
    left = block.x - block.width / 2
    out = [
        f'<g class="element element-{block.element}">',
        f'<rect x="{_fmt(left)}" y="{_fmt(block.top)}" width="{block.width}" '
        f'height="{_fmt(block.height)}" rx="6" fill="{fill}" stroke="{LINE_COLOUR}"/>',
    ]
    y = block.top + PAD + FONT_SIZE
    out.append(
        f'<text x="{_fmt(left + PAD)}" y="{_fmt(y)}" font-weight="bold" fill="{INK}">'
        f"{clean(block.label)}</text>"
    )
    if not block.entries:
        y += LINE
        out.append(
            f'<text x="{_fmt(left + PAD)}" y="{_fmt(y)}" font-style="italic" '
            f'fill="{MUTED}">No entries yet</text>'
        )
    for full, lines in block.entries:
        y += LINE
        tspans = [f'<tspan x="{_fmt(left + PAD)}" y="{_fmt(y)}">• {clean(lines[0])}</tspan>']
        for line in lines[1:]:
            y += LINE
            tspans.append(f'<tspan x="{_fmt(left + PAD + 10)}" y="{_fmt(y)}">{clean(line)}</tspan>')
        out.append(
            f'<g class="entry"><title>{clean(full)}</title><text fill="{INK}">'
            + "".join(tspans)
            + "</text></g>"
        )
    out.append("</g>")
    return out


def _triangle_markup(blocks: list[Block]) -> list[str]:
    by = {b.element: b for b in blocks}
    out = [_line(by[a].centre, by[b].centre) for a, b in EDGES]
    # Object → outcome: an arrow.
    obj, outcome = by[Element.OBJECT].centre, by[Element.OUTCOME].centre
    direction = 1 if outcome[0] > obj[0] else -1
    tip_x = by[Element.OUTCOME].x - direction * by[Element.OUTCOME].width / 2
    out.append(_line(obj, (tip_x, outcome[1])))
    out.append(
        f'<polygon points="{_fmt(tip_x)},{_fmt(outcome[1])} '
        f"{_fmt(tip_x - direction * 10)},{_fmt(outcome[1] - 5)} "
        f'{_fmt(tip_x - direction * 10)},{_fmt(outcome[1] + 5)}" fill="{LINE_COLOUR}"/>'
    )
    for block in blocks:
        out.extend(_block_markup(block))
    return out


def _model_heading(view: ModelView) -> str:
    model = view.model
    return (
        f"{model.title} — {model.get_layer_display()} layer, version {model.version}; "
        f"perspective: {model.perspective}"
    )


def _svg(
    *, width: float, height: float, id_prefix: str, title: str, desc: str, body: Sequence[str]
) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_fmt(width)} {_fmt(height)}" '
        f'width="{_fmt(width)}" height="{_fmt(height)}" role="img" '
        f'aria-labelledby="{id_prefix}-title {id_prefix}-desc" class="activity-diagram" '
        f'font-family="Arial, Helvetica, sans-serif" font-size="{FONT_SIZE}">'
        f'<title id="{id_prefix}-title">{clean(title)}</title>'
        f'<desc id="{id_prefix}-desc">{clean(desc)}</desc>'
        f'<rect width="100%" height="100%" fill="#ffffff"/>'
    )
    # Output is escaped piece by piece above.
    return mark_safe(head + "\n".join(body) + "</svg>\n")  # noqa: S308


def _entries_desc(view: ModelView) -> str:
    counts = ", ".join(f"{slot.label.lower()} {len(slot.entries)}" for slot in view.slots)
    return f"{view.entry_count} entries ({counts})."


def triangle_svg(view: ModelView, *, id_prefix: str = "") -> SafeString:
    """The activity-system triangle of one model, every entry's text in its element."""
    prefix = id_prefix or f"asm-{view.model.pk}"
    blocks = _blocks(view, offset=0, mirror=False, top=TOP)
    height = max(b.top + b.height for b in blocks) + PAD * 2
    heading = (
        f'<text x="{PAD * 2}" y="{PAD * 3}" font-size="16" font-weight="bold" fill="{INK}">'
        f"{clean(_model_heading(view))}</text>"
    )
    return _svg(
        width=FRAME_WIDTH,
        height=height,
        id_prefix=prefix,
        title=f"Activity-system triangle: {_model_heading(view)}",
        desc=(
            "The seven elements of the activity system (subject, instruments, object, "
            "outcome, rules, community, division of labour) joined as Engeström's triangle, "
            f"with {_entries_desc(view)} Each entry's full text is also in its own title and "
            "in the table of the model's page."
        ),
        body=[heading, *_triangle_markup(blocks)],
    )


GAP = 340  # between the two triangles, for the shared object


def third_generation_svg(
    central: ModelView, neighbour: ModelView, shared: Sequence[str], *, id_prefix: str = ""
) -> SafeString:
    """Two activity systems side by side, the neighbour mirrored so both objects face the
    middle, and their (partially) shared object between them."""
    prefix = id_prefix or f"thirdgen-{central.model.pk}-{neighbour.model.pk}"
    left = _blocks(central, offset=0, mirror=False, top=TOP + 20)
    right = _blocks(neighbour, offset=FRAME_WIDTH + GAP, mirror=True, top=TOP + 20)
    width = 2 * FRAME_WIDTH + GAP
    outcome_l = next(b for b in left if b.element == Element.OUTCOME)
    outcome_r = next(b for b in right if b.element == Element.OUTCOME)
    box = Block(
        "shared_object",
        "Shared object",
        FRAME_WIDTH + GAP / 2,
        GAP - 40,
        1,
        [(text, wrap(text, GAP - 40)) for text in shared],
    )
    box.top = max(outcome_l.top, outcome_r.top)
    height = max(b.top + b.height for b in [*left, *right, box]) + PAD * 2
    body = [
        f'<text x="{PAD * 2}" y="{PAD * 3}" font-size="16" font-weight="bold" fill="{INK}">'
        f"Central: {clean(_model_heading(central))}</text>",
        f'<text x="{_fmt(width - PAD * 2)}" y="{PAD * 3 + 22}" font-size="16" '
        f'font-weight="bold" fill="{INK}" text-anchor="end">'
        f"Neighbour: {clean(_model_heading(neighbour))}</text>",
        _line(outcome_l.centre, box.centre, ' stroke-dasharray="6 4"'),
        _line(outcome_r.centre, box.centre, ' stroke-dasharray="6 4"'),
        *_triangle_markup(left),
        *_triangle_markup(right),
        *_block_markup(box, fill="#fff8e1"),
    ]
    return _svg(
        width=width,
        height=height,
        id_prefix=prefix,
        title=(
            f"Third-generation view: {central.model.title} and {neighbour.model.title} "
            "with their shared object"
        ),
        desc=(
            f"Two activity systems. Central, on the left: {_model_heading(central)}, "
            f"{_entries_desc(central)} Neighbour, on the right and mirrored: "
            f"{_model_heading(neighbour)}, {_entries_desc(neighbour)} Between them, "
            f"{len(shared)} shared object statement(s): " + "; ".join(shared) + "."
        ),
        body=body,
    )
