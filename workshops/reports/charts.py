"""The report's two charts, laid out once and drawn twice: as SVG (the page and the PDF, as
vectors) and as PNG (the DOCX: python-docx embeds no SVG).

Nothing installed here rasterises SVG (no cairosvg; WeasyPrint 70 writes no PNG), so the PNG
is not converted from the SVG text but drawn by Pillow from the same layout: the same
rectangles, lines and labels at the same coordinates, scaled up for print. One layout, two
painters, so the two pictures cannot drift apart.

* `matrix_chart`: themes × sites as a shaded grid with the count printed in every cell
  (readable in black and white);
* `phase_chart`: themes over research phases as grouped horizontal bars, one bar per phase,
  with the count at the end of each bar, and a legend.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
FONT_FAMILY = "DejaVu Sans, Arial, Helvetica, sans-serif"
TEXT = "#1b1b1b"
GRID = "#8a949b"
# Phase colours: distinguishable in colour-blind vision and in greyscale (light to dark).
PHASE_COLOURS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b", "#fdae6b", "#e6550d", "#7f7f7f")


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    stroke: str | None = None


@dataclass
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float = 11
    anchor: str = "start"  # start, middle, end
    bold: bool = False
    fill: str = TEXT
    vertical: bool = False  # read bottom to top, from (x, y) upwards; x is the baseline


@dataclass
class Chart:
    width: float
    height: float
    title: str
    description: str  # the text alternative: what the chart shows, in words
    shapes: list = field(default_factory=list)

    def svg(self) -> SafeString:
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(self.width)} '
            f'{_n(self.height)}" width="{_n(self.width)}" height="{_n(self.height)}" '
            f'role="img" aria-label="{escape(self.title)}" '
            f'font-family="{FONT_FAMILY}">',
            f"<title>{escape(self.title)}</title><desc>{escape(self.description)}</desc>",
        ]
        for s in self.shapes:
            if isinstance(s, Rect):
                stroke = f' stroke="{s.stroke}" stroke-width="0.6"' if s.stroke else ""
                parts.append(
                    f'<rect x="{_n(s.x)}" y="{_n(s.y)}" width="{_n(s.w)}" height="{_n(s.h)}" '
                    f'fill="{s.fill}"{stroke}/>'
                )
            else:
                weight = ' font-weight="bold"' if s.bold else ""
                turn = f' transform="rotate(-90 {_n(s.x)} {_n(s.y)})"' if s.vertical else ""
                parts.append(
                    f'<text x="{_n(s.x)}" y="{_n(s.y)}" font-size="{_n(s.size)}" '
                    f'text-anchor="{s.anchor}" fill="{s.fill}"{weight}{turn}>'
                    f"{escape(s.text)}</text>"
                )
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped

    def data_url(self) -> str:
        """The SVG as a data: URL, for the PDF: WeasyPrint draws an SVG image with its own
        SVG renderer, where inline SVG puts every shape through the page's CSS cascade
        (1.5 s of a 25-site report's 28 s)."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg().encode()).decode()

    def png(self, scale: float = 2.5) -> bytes:
        """The same drawing as a PNG, `scale` pixels per SVG unit (2.5: about 200 dpi at the
        width the DOCX prints it)."""
        from PIL import Image, ImageDraw

        image = Image.new("RGB", (round(self.width * scale), round(self.height * scale)), "white")
        draw = ImageDraw.Draw(image)
        for s in self.shapes:
            if isinstance(s, Rect):
                box = [s.x * scale, s.y * scale, (s.x + s.w) * scale, (s.y + s.h) * scale]
                draw.rectangle(box, fill=s.fill, outline=s.stroke, width=1 if s.stroke else 0)
            elif s.vertical:
                _vertical_text(image, s, scale)
            else:
                anchor = {"start": "ls", "middle": "ms", "end": "rs"}[s.anchor]
                draw.text(
                    (s.x * scale, s.y * scale),
                    s.text,
                    fill=s.fill,
                    font=_font(round(s.size * scale), s.bold),
                    anchor=anchor,
                )
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()


def _vertical_text(image, s: Text, scale: float) -> None:
    """Text reading upwards from (x, y), as SVG's rotate(-90) draws it: drawn level on its
    own layer, turned a quarter left, pasted with its baseline on x and its start on y."""
    from PIL import Image, ImageDraw

    font = _font(round(s.size * scale), s.bold)
    ascent, descent = font.getmetrics()
    width = max(1, round(font.getlength(s.text)))
    layer = Image.new("RGBA", (width, ascent + descent), (255, 255, 255, 0))
    ImageDraw.Draw(layer).text((0, ascent), s.text, fill=s.fill, font=font, anchor="ls")
    turned = layer.rotate(90, expand=True)  # counter-clockwise: the start is at the bottom
    image.paste(turned, (round(s.x * scale - ascent), round(s.y * scale - width)), turned)


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@lru_cache(maxsize=32)
def _font(size: int, bold: bool = False):
    from PIL import ImageFont

    for path in FONT_FILES:
        if bold:
            path = path.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def text_width(text: str, size: float) -> float:
    """Width of `text` in SVG units at font size `size` (measured with the font the PNG uses,
    which is also the PDF's)."""
    return _font(100).getlength(text) * size / 100


def fit(text: str, size: float, width: float) -> str:
    """`text` cut with an ellipsis to fit `width`."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _shade(value: int, maximum: int) -> tuple[str, str]:
    """(fill, text colour) of a matrix cell: five steps of blue, text always legible."""
    if value <= 0 or maximum <= 0:
        return "#ffffff", TEXT
    step = min(4, int(4 * value / maximum + 0.999))
    fills = ("#ffffff", "#deebf7", "#9ecae1", "#4292c6", "#08519c")
    return fills[step], "#ffffff" if step >= 3 else TEXT


def matrix_chart(
    row_labels: list[str], column_labels: list[str], cells: list[list[int]], *, title: str
) -> Chart:
    """Rows × columns as a grid of shaded cells, each with its number."""
    size = 10.0
    label_w = min(230.0, max((text_width(r, size) for r in row_labels), default=60) + 12)
    # Column labels read upwards, so two dozen sites fit an A4 landscape page in print size.
    cell_w = max(26.0, min(60.0, 640 / max(1, len(column_labels))))
    header_w = 150.0
    # Bold is about a tenth wider than the regular face `text_width` measures.
    header_h = 12 + min(header_w, max((text_width(c, 9.9) for c in column_labels), default=20))
    cell_h = 17.0
    width = label_w + cell_w * len(column_labels) + 4
    height = header_h + cell_h * len(row_labels) + 4
    maximum = max((max(r, default=0) for r in cells), default=0)
    chart = Chart(
        width,
        height,
        title,
        f"{title}: {len(row_labels)} themes by {len(column_labels)} sites; darker cells hold "
        f"more passages (at most {maximum}); every number is printed and is in the table.",
    )
    for j, label in enumerate(column_labels):
        x = label_w + j * cell_w + cell_w / 2 + 3.2
        chart.shapes.append(
            Text(x, header_h - 5, fit(label, 9.9, header_w), 9, bold=True, vertical=True)
        )
    for i, (label, row) in enumerate(zip(row_labels, cells, strict=True)):
        y = header_h + i * cell_h
        chart.shapes.append(
            Text(label_w - 6, y + cell_h - 5, fit(label, size, label_w - 10), size, "end")
        )
        for j, value in enumerate(row):
            fill, ink = _shade(value, maximum)
            x = label_w + j * cell_w
            chart.shapes.append(Rect(x, y, cell_w, cell_h, fill, GRID))
            chart.shapes.append(
                Text(x + cell_w / 2, y + cell_h - 5, str(value), 9.5, "middle", fill=ink)
            )
    return chart


def phase_chart(
    row_labels: list[str], series_labels: list[str], values: list[list[int]], *, title: str
) -> Chart:
    """One group of horizontal bars per row (theme), one bar per series (phase)."""
    size = 10.0
    label_w = min(230.0, max((text_width(r, size) for r in row_labels), default=60) + 12)
    bar_h = 7.0
    gap = 7.0
    n = max(1, len(series_labels))
    group_h = bar_h * n + gap
    plot_w = 330.0
    legend_rows = (len(series_labels) + 1) // 2
    legend_h = 16.0 * legend_rows + 8
    width = label_w + plot_w + 50
    height = legend_h + group_h * len(row_labels) + 6
    maximum = max((max(r, default=0) for r in values), default=0) or 1
    chart = Chart(
        width,
        height,
        title,
        f"{title}: bars of passages per research phase for each of {len(row_labels)} themes "
        f"(longest bar {maximum}); every number is printed and is in the table.",
    )
    for k, label in enumerate(series_labels):
        x = 6 + (k % 2) * (width / 2)
        y = 4.0 + (k // 2) * 16
        chart.shapes.append(Rect(x, y, 12, 10, PHASE_COLOURS[k % len(PHASE_COLOURS)], GRID))
        chart.shapes.append(Text(x + 16, y + 9, fit(label, 9.5, width / 2 - 26), 9.5))
    for i, (label, row) in enumerate(zip(row_labels, values, strict=True)):
        top = legend_h + i * group_h
        chart.shapes.append(Rect(label_w, top + group_h - gap / 2, plot_w, 0.5, "#d0d5d9"))
        chart.shapes.append(
            Text(
                label_w - 6, top + (bar_h * n) / 2 + 4, fit(label, size, label_w - 10), size, "end"
            )
        )
        for k, value in enumerate(row):
            y = top + k * bar_h
            w = plot_w * value / maximum
            colour = PHASE_COLOURS[k % len(PHASE_COLOURS)]
            if w:
                chart.shapes.append(Rect(label_w, y, w, bar_h - 1, colour, GRID))
            chart.shapes.append(Text(label_w + w + 3, y + bar_h - 1.5, str(value), 7))
    return chart


MATRIX_ROWS = 24  # themes per matrix chart: one landscape A4 page each
PHASE_ROWS = 12  # themes per phase chart: one portrait A4 page each


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def report_charts(content) -> tuple[list[Chart], list[Chart]]:
    """(themes × sites charts, themes over phases charts) of a `ReportContent`, each cut
    into page-sized charts of a few themes, so no chart is shrunk to fit a page."""
    if content.is_empty:
        return [], []
    rows = content.themes
    matrix_parts = _chunks(rows, MATRIX_ROWS)
    matrix = [
        matrix_chart(
            [r.name for r in part],
            [s.name for s in content.sites],
            [r.cells for r in part],
            title="Coded passages per theme and site"
            + (f" ({n} of {len(matrix_parts)})" if len(matrix_parts) > 1 else ""),
        )
        for n, part in enumerate(matrix_parts, 1)
    ]
    phases: list[Chart] = []
    if content.phase_labels:
        phase_parts = _chunks(rows, PHASE_ROWS)
        phases = [
            phase_chart(
                [r.name for r in part],
                content.phase_labels,
                [content.phase_values(r) for r in part],
                title="Coded passages per theme over the research phases"
                + (f" ({n} of {len(phase_parts)})" if len(phase_parts) > 1 else ""),
            )
            for n, part in enumerate(phase_parts, 1)
        ]
    return matrix, phases
