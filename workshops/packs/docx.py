"""The pack as an editable Word document (python-docx): real headings (Word's Heading
styles, so the navigation pane and a table of contents work), real tables, a page break
before each section, A4, the site and session in the page header and page numbers in the
footer.

python-docx cannot embed SVG, and WeasyPrint 70 no longer writes PNG. Rather than add a
rasteriser, each conceptual tool is laid out as a Word table (`Diagram.grid`: the triangle's
corners, the cycle's steps, the timeline's columns) with its text alternative under it: the
tools stay editable, which is what a facilitator preparing a session needs; the vector
drawings are in the PDF.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from .content import PackContent

RED = RGBColor(0x8F, 0x1D, 0x28)


def _page_number(paragraph) -> None:
    """'Page N of M' with Word fields, so the numbers follow edits."""
    paragraph.add_run("Page ")
    for name in ("PAGE", "NUMPAGES"):
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), name)
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "1"
        run.append(text)
        field.append(run)
        paragraph._p.append(field)
        if name == "PAGE":
            paragraph._p.append(_run_xml(" of "))


def _run_xml(text: str):
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    run.append(t)
    return run


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _table(doc, header: list[str] | None, rows: list[list[str]], widths: list[float] | None = None):
    cols = len(header or rows[0])
    table = doc.add_table(rows=0, cols=cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    if header:
        cells = table.add_row().cells
        for cell, text in zip(cells, header, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = True
        _repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            _cell_text(cell, value)
    if widths:
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=False):
                cell.width = Mm(width)
    return table


def _cell_text(cell, value: str, bold_first: bool = False) -> None:
    lines = str(value).split("\n")
    cell.text = ""
    paragraph = cell.paragraphs[0]
    for n, line in enumerate(lines):
        if n:
            paragraph.add_run().add_break()
        run = paragraph.add_run(line)
        if bold_first and n == 0:
            run.bold = True


def _para(doc, text: str, *, bold_label: str = "", style: str | None = None):
    paragraph = doc.add_paragraph(style=style)
    if bold_label:
        paragraph.add_run(bold_label).bold = True
    paragraph.add_run(text)
    return paragraph


def _bullets(doc, lines: list[str]) -> None:
    for line in lines:
        doc.add_paragraph(line, style="List Bullet")


def render_docx(content: PackContent) -> tuple[bytes, None]:
    """(the DOCX's bytes, None: Word counts the pages when it lays the document out)."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(16)
    section.top_margin, section.bottom_margin = Mm(20), Mm(18)
    section.different_first_page_header_footer = True
    section.header.paragraphs[0].text = content.running_header
    _page_number(section.footer.paragraphs[0])
    _page_number(section.first_page_footer.paragraphs[0])
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)
    doc.core_properties.title = f"Workshop pack: {content.running_header}"
    doc.core_properties.subject = content.series_title

    # 1. Cover and agenda
    doc.add_paragraph(f"Workshop pack · {content.series_title}")
    doc.add_heading(f"Session {content.number}: {content.title}", level=0)
    when = f"{content.site_name} · {content.date}"
    if content.times:
        when += f", {content.times}"
    if content.venue:
        when += f" · {content.venue}"
    doc.add_paragraph(when)
    facts = [
        ["Facilitator", content.facilitator],
        ["Co-facilitator", content.co_facilitator],
        ["Scribe", content.scribe],
        ["Time-layer focus", content.layer_focus or "—"],
        ["Learning actions targeted", content.target_actions or "—"],
        ["Aims", content.aims or content.series_aims or "—"],
    ]
    for label, value in (
        ("First stimulus (mirror)", content.first_stimulus_plan),
        ("Second stimulus", content.second_stimulus_plan),
        ("Expected outputs", content.expected_outputs),
    ):
        if value:
            facts.append([label, value])
    _table(doc, None, facts, widths=[50, 128])
    doc.add_heading("Timed agenda", level=1)
    if content.agenda:
        total = f"{content.agenda_total} minutes planned"
        if content.length_minutes:
            total += f" of a {content.length_minutes}-minute session"
        doc.add_paragraph(total + ".")
        _table(
            doc,
            ["Time", "Activity", "Minutes", "First stimulus", "Second stimulus"],
            [
                [
                    f"{a.starts}–{a.ends}" if a.starts else f"+{a.running_total} min",
                    f"{a.number}. {a.title}" + (f"\n{a.description}" if a.description else ""),
                    str(a.minutes),
                    "\n".join(a.first_stimulus) or "—",
                    a.second_stimulus or "—",
                ]
                for a in content.agenda
            ],
            widths=[22, 55, 16, 45, 40],
        )
    else:
        doc.add_paragraph("No agenda items planned yet.")
    doc.add_paragraph(
        f"Generated {content.generated}. Mirror items whose speakers' consent no longer "
        "allows them are left out of this pack."
    )

    # 2. Participants
    doc.add_page_break()
    doc.add_heading("Participant list", level=1)
    if content.participants:
        summary = f"{len(content.participants)} invited"
        if content.flagged_count:
            summary += (
                f"; {content.flagged_count} with a red flag (no consent to being recorded "
                "or to being shown to colleagues)"
            )
        doc.add_paragraph(summary + ".")
        table = _table(
            doc,
            ["Name or pseudonym", "Agency", "Role", "Level", "Consent"],
            [
                [
                    p.pseudonym + (" (scribe)" if p.scribe else ""),
                    p.agency,
                    p.role,
                    p.level,
                    "",
                ]
                for p in content.participants
            ],
            widths=[32, 32, 35, 22, 57],
        )
        for row, person in zip(table.rows[1:], content.participants, strict=True):
            cell = row.cells[4]
            cell.text = ""
            paragraph = cell.paragraphs[0]
            for n, flag in enumerate(person.flags):
                if n:
                    paragraph.add_run().add_break()
                run = paragraph.add_run(f"⚑ Red flag: {flag}")
                run.bold = True
                run.font.color.rgb = RED
            for n, line in enumerate(person.consent):
                if n or person.flags:
                    paragraph.add_run().add_break()
                paragraph.add_run(line).font.size = Pt(8.5)
    else:
        doc.add_paragraph("No participants invited yet.")

    # 3. Previous session
    doc.add_page_break()
    doc.add_heading("Previous session's summary", level=1)
    prev = content.previous
    if prev is None:
        doc.add_paragraph("This is the first session of the series: there is no previous session.")
    else:
        heading = prev.heading
        if not prev.saved:
            heading += " — drafted from the session's record (no summary saved yet)"
        _para(doc, "", bold_label=heading)
        for line in prev.lines:
            if line.strip():
                doc.add_paragraph(line)
        if prev.withheld_lines:
            doc.add_paragraph(
                f"{prev.withheld_lines} line(s) of the summary left out: they quote words whose "
                "speaker's consent no longer allows it."
            )
        for title, lines in (
            ("Contradictions named", prev.contradictions),
            ("Models drafted", prev.models),
            ("Actions agreed", prev.experiments),
        ):
            if lines:
                doc.add_heading(title, level=2)
                _bullets(doc, lines)

    # 4. Mirror data
    doc.add_page_break()
    doc.add_heading("Mirror data (first stimuli)", level=1)
    if not content.mirror:
        doc.add_paragraph("No mirror items accepted for this session yet.")
    for m in content.mirror:
        doc.add_heading(f"{m.ref}. {m.title} ({m.kind})", level=2)
        paragraph = doc.add_paragraph(m.text, style="Quote" if m.is_quote else None)
        paragraph.paragraph_format.keep_with_next = True
        rows = []
        if m.speaker:
            rows.append(["Speaker", m.speaker])
        if m.source:
            rows.append(["Source", m.source + (f", {m.location}" if m.location else "")])
        if m.provenance_note:
            rows.append(["Provenance", m.provenance_note])
        if m.themes:
            rows.append(["Themes", m.themes])
        rows += [
            ["Provenance ID", m.provenance_id],
            ["Consent clearance", m.clearance],
            ["Surface", m.surface],
        ]
        _table(doc, None, rows, widths=[38, 140])

    # 5. Conceptual tools
    doc.add_page_break()
    doc.add_heading("Conceptual tools (second stimuli)", level=1)
    doc.add_paragraph(
        "Each tool is laid out as a table you can write in; the drawn versions are in the PDF pack."
    )
    for d in content.diagrams:
        doc.add_heading(d.title, level=2)
        if d.note:
            doc.add_paragraph(d.note)
        if d.key in ("triangle", "site_model"):
            # The triangle's corners: element names in bold, room (or entries) under them.
            table = _table(doc, None, d.grid)
            for row in table.rows:
                for cell in row.cells:
                    if cell.text:
                        _cell_text(cell, cell.text, bold_first=True)
        else:
            _table(doc, d.grid[0], d.grid[1:])
        _para(doc, d.alt, bold_label="Text alternative: ")
    if content.model_entries:
        doc.add_heading(f"The site's model in words: {content.model_title}", level=2)
        _table(
            doc,
            ["Element", "Entry", "Evidence"],
            [[e.element, e.text, "\n".join(e.evidence) or "—"] for e in content.model_entries],
            widths=[30, 60, 88],
        )

    # 6. 3×3 surfaces
    doc.add_page_break()
    doc.add_heading("3×3 surfaces layout sheet", level=1)
    doc.add_paragraph(
        "Which item goes on which surface: columns from the practice (mirror) to theory "
        "(model / vision) and tools (ideas); rows from past to future."
    )
    _table(
        doc,
        ["Layer"] + [cell.column_label for cell in content.surfaces[0]],
        [
            [row[0].layer_label] + ["\n".join(cell.items) or "(empty)" for cell in row]
            for row in content.surfaces
        ],
        widths=[24, 51, 51, 52],
    )

    # 7. Facilitator notes
    doc.add_page_break()
    doc.add_heading("Facilitator notes", level=1)
    for n in content.notes:
        doc.add_heading(n.title, level=2)
        _para(doc, n.time_check, bold_label="Time check: ")
        for m in n.items:
            _para(
                doc,
                f": {m.facilitator_note}" if m.facilitator_note else "",
                bold_label=f"{m.ref} · {m.title}",
            )
            _bullets(doc, m.prompts)
        if n.tool:
            _para(doc, n.tool, bold_label="Second stimulus: ")
            _bullets(doc, n.tool_prompts)
    if content.unscheduled:
        doc.add_heading("Mirror items not yet on the agenda", level=2)
        for m in content.unscheduled:
            _para(
                doc,
                f": {m.facilitator_note}" if m.facilitator_note else "",
                bold_label=f"{m.ref} · {m.title}",
            )
            _bullets(doc, m.prompts)
    doc.add_heading("Expected contradictions", level=2)
    if content.expected_contradictions:
        _bullets(doc, content.expected_contradictions)
    else:
        doc.add_paragraph("None recorded for the site yet.")
    doc.add_heading("Handing over to the scribe", level=2)
    _bullets(doc, content.scribe_handover)

    # 8. Logistics
    doc.add_page_break()
    doc.add_heading("Logistics checklist", level=1)
    for line in content.checklist:
        doc.add_paragraph(f"☐ {line}")

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue(), None
