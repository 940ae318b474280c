"""The report as an editable Word document (python-docx): Word's Heading styles, real tables
with repeated header rows, a page break before each part, A4, the running header and page
numbers (the pack's helpers). The charts are PNG drawn by `charts.Chart.png` from the same
layout as the SVG (python-docx embeds no SVG and nothing here rasterises SVG), each followed
by the table behind it."""

from __future__ import annotations

import io
import time

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.shared import Mm, Pt

from ..packs.docx import _page_number, _table
from . import Reporter
from .charts import report_charts
from .content import ReportContent


def _d(value) -> str:
    return f"{value:%-d %b %Y}" if value else "—"


def _ratio(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:.0f}%" if percent else f"{value:.2f}"


def _picture(doc, chart, *, max_width: float, max_height: float) -> None:
    """The chart as PNG at about print size (0.35 mm a unit, as the PDF's 1px = 0.75pt),
    shrunk to fit the page's width and height."""
    width = min(max_width, chart.width * 0.35, max_height * chart.width / chart.height)
    doc.add_picture(io.BytesIO(chart.png()), width=Mm(width))


def _orient(doc, *, landscape: bool) -> None:
    """A new section on a new page, A4 landscape or portrait; its header and footer are the
    previous section's (python-docx links them by default)."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    long, short = Mm(297), Mm(210)
    section.page_width, section.page_height = (long, short) if landscape else (short, long)


def render_docx(content: ReportContent, *, progress: Reporter) -> tuple[bytes, None]:
    """(the DOCX's bytes, None: Word counts the pages when it lays the document out)."""
    progress("Writing the Word document", 62)
    last = time.monotonic()
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(16)
    section.top_margin, section.bottom_margin = Mm(20), Mm(18)
    section.header.paragraphs[0].text = content.running_header
    _page_number(section.footer.paragraphs[0])
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)
    doc.core_properties.title = content.title

    doc.add_heading(content.title, level=0)
    doc.add_paragraph(
        f"Generated {content.generated:%-d %B %Y, %H:%M}. Pseudonymised; the words of "
        "participants whose consent excludes them are left out of every figure and quote."
    )
    doc.add_heading("1. The study and this selection", level=1)
    doc.add_paragraph(content.study)
    _table(
        doc,
        None,
        [
            *[[label, value] for label, value in content.selection_lines],
            ["What is counted", content.measure_unit[:1].upper() + content.measure_unit[1:]],
            ["Passages in all", str(content.total)],
        ],
        widths=[45, 133],
    )
    if content.empty_themes:
        doc.add_paragraph(
            "Selected themes with no coded passage in this selection: "
            + ", ".join(content.empty_themes)
            + "."
        )
    if content.is_empty:
        doc.add_heading("Nothing is coded in this selection yet", level=1)
        doc.add_paragraph(
            "No passage of the chosen sites, phases, themes and source kinds has been coded."
        )
    else:
        matrix, phases = report_charts(content)
        # The matrix on landscape pages, as in the PDF: a column per site.
        _orient(doc, landscape=True)
        doc.add_heading("2. Themes across sites", level=1)
        for chart in matrix:
            _picture(doc, chart, max_width=265, max_height=150)
            doc.add_paragraph(chart.description)
        _table(
            doc,
            ["Theme", *[s.name for s in content.sites], "All"],
            [
                *[[r.name, *map(str, r.cells), str(r.total)] for r in content.themes],
                ["All themes", *map(str, content.site_totals), str(content.total)],
            ],
        )
        _orient(doc, landscape=False)
        doc.add_heading("3. Themes over the research phases", level=1)
        for chart in phases:
            _picture(doc, chart, max_width=178, max_height=230)
            doc.add_paragraph(chart.description)
        _table(
            doc,
            ["Theme", *content.phase_labels],
            [[r.name, *map(str, content.phase_values(r))] for r in content.themes],
        )
        doc.add_page_break()
        doc.add_heading("4. Themes: the most telling excerpts per site", level=1)
        doc.add_paragraph(
            f"Up to {content.excerpts_per_site} excerpts per theme and site: the passages most "
            "coders agreed on, then the fullest. Each names its source, date, speaker "
            "(pseudonym), turn, characters and coder(s)."
        )
        for n, section_ in enumerate(content.sections, 1):
            doc.add_heading(f"4.{n} {section_.row.name} ({section_.row.total} passages)", level=2)
            if section_.definition:
                doc.add_paragraph(section_.definition)
            for group in section_.sites:
                doc.add_heading(group.site.name, level=3)
                for q in group.quotes:
                    doc.add_paragraph(q.text, style="Quote")
                    doc.add_paragraph(q.provenance).runs[0].font.size = Pt(8.5)
                if not group.quotes:
                    doc.add_paragraph("No excerpt of this site can be quoted.")
            if time.monotonic() - last > 1:
                progress("Writing the excerpts", 62 + 25 * n // max(1, len(content.sections)))
                last = time.monotonic()

    doc.add_page_break()
    doc.add_heading("5. The sites' workshops, contradictions and experiments", level=1)
    for n, w in enumerate(content.site_work, 1):
        doc.add_heading(f"5.{n} {w.site.name}", level=2)
        doc.add_heading("Workshop series", level=3)
        if w.series:
            _table(
                doc,
                ["Series", "Planned", "Sessions", "Held", "Written up", "Last held", "Next"],
                [
                    [
                        s.title,
                        str(s.planned),
                        str(s.sessions),
                        str(s.held),
                        str(s.written_up),
                        _d(s.last_held),
                        _d(s.next_planned),
                    ]
                    for s in w.series
                ],
            )
            if w.sessions:
                _table(
                    doc,
                    ["Series", "No.", "Session", "Date", "Status"],
                    [[s.series, str(s.number), s.title, _d(s.date), s.status] for s in w.sessions],
                )
        else:
            doc.add_paragraph("No workshop series planned yet.")
        doc.add_heading("Contradictions register", level=3)
        if w.contradictions:
            _table(
                doc,
                [
                    "Level",
                    "Contradiction",
                    "Elements",
                    "Model",
                    "Status",
                    "Since",
                    "Evidence",
                    "Experiments",
                ],
                [
                    [
                        c.level,
                        c.formulation,
                        c.elements,
                        c.model,
                        c.status,
                        _d(c.since),
                        str(c.evidence),
                        str(c.experiments),
                    ]
                    for c in w.contradictions
                ],
            )
        else:
            doc.add_paragraph("No contradictions recorded yet.")
        doc.add_heading("Experiments (agreed changes)", level=3)
        if w.experiments:
            _table(
                doc,
                ["Experiment", "Owner", "Agreed in", "Start", "Review", "Status", "Outcome"],
                [
                    [
                        e.title,
                        e.owner,
                        e.agreed_in,
                        _d(e.start),
                        _d(e.review_date),
                        e.status,
                        e.outcome or "—",
                    ]
                    for e in w.experiments
                ],
            )
        else:
            doc.add_paragraph("No experiments agreed yet.")
    progress("Writing the appendix", 92)
    doc.add_page_break()
    doc.add_heading("Appendix: methods", level=1)
    doc.add_heading("Coders", level=2)
    if content.coders:
        _table(
            doc,
            ["Coder", "Codings", "Distinct passages", "Sites"],
            [[c.name, str(c.codings), str(c.passages), str(c.sites)] for c in content.coders],
        )
    else:
        doc.add_paragraph("No codings in this selection.")
    doc.add_heading("Inter-coder agreement", level=2)
    if content.agreement:
        _table(
            doc,
            ["Site", "Exercise", "Coders", "Theme", "Units", "Agreement", "Kappa", "Alpha"],
            [
                [
                    a.site,
                    a.exercise + ("" if a.closed else " (open)"),
                    a.coders,
                    a.theme,
                    str(a.units),
                    _ratio(a.percent, True),
                    _ratio(a.kappa),
                    _ratio(a.alpha),
                ]
                for a in content.agreement
            ],
        )
    else:
        doc.add_paragraph("No agreement exercise has been run at the selected sites.")
    doc.add_heading("Consent", level=2)
    doc.add_paragraph(
        f"{content.excluded_participants} participant(s) at the selected sites withdrew or "
        f"declined consent for taking part or for quotation; the {content.excluded_codings} "
        "coding(s) of the selected themes overlapping their words are left out of every count "
        "and quote. They are counted here, not named."
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue(), None
