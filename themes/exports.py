"""Excerpt exports: CSV, XLSX (openpyxl) and DOCX (python-docx), quotes with provenance,
grouped by site. Callers pass excerpts already filtered for visibility and consent."""

from __future__ import annotations

import csv
import io
import re
from itertools import groupby

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify

from .models import Theme
from .selectors import Excerpt

MAX_EXCERPTS = 5000
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}
HEADERS = [
    "Site",
    "Source",
    "Kind",
    "Date",
    "Phase",
    "Speaker",
    "Profession",
    "Level",
    "Theme",
    "Coder",
    "Start",
    "End",
    "Quote",
    "Memo",
]


def excerpt_row(excerpt: Excerpt) -> list:
    c = excerpt.coding
    participant = c.participant
    return [
        c.site.name,
        c.source.title,
        c.source.get_kind_display(),
        c.source.date.isoformat() if c.source.date else "",
        str(excerpt.phase) if excerpt.phase else "",
        excerpt.speaker,
        participant.profession.name if participant else "",
        participant.get_level_display() if participant else "",
        c.theme.name,
        c.coder.get_username() if c.coder else "",
        c.start,
        c.end,
        c.quote,
        c.memo,
    ]


def _safe_cell(value):
    """Neutralise spreadsheet formulas in text cells (CSV injection); drop what XML cannot
    hold."""
    if isinstance(value, str):
        value = _xml_text(value)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
    return value


# Control characters XML 1.0 cannot hold (XLSX and DOCX are XML): input refuses them, but a
# row stored before that, or by another path, must not make the export fail for everyone.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: str) -> str:
    return _XML_ILLEGAL.sub("", value)


def excerpts_csv(excerpts: list[Excerpt]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows([_safe_cell(v) for v in excerpt_row(e)] for e in excerpts)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def excerpts_xlsx(excerpts: list[Excerpt], *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Excerpts")
    sheet.freeze_panes = "A2"
    header = []
    for name in HEADERS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for excerpt in excerpts:
        sheet.append([_safe_cell(v) for v in excerpt_row(excerpt)])
    workbook.properties.title = _xml_text(title)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def excerpts_docx(excerpts: list[Excerpt], *, title: str) -> bytes:
    from docx import Document

    document = Document()
    title = _xml_text(title)
    document.core_properties.title = title
    document.add_heading(title, level=1)
    document.add_paragraph(
        f"{len(excerpts)} excerpts, exported {timezone.localtime():%d %B %Y %H:%M}. "
        "Pseudonyms only; participants who withdrew consent are excluded."
    )
    # Look the Quote style up once: python-docx resolves a style given by name or object on
    # every paragraph (scanning all styles for the default), which was most of the export.
    quote_style_id = document.styles["Quote"].style_id
    for site_name, group in groupby(excerpts, key=lambda e: e.coding.site.name):
        document.add_heading(_xml_text(site_name), level=2)
        for excerpt in group:
            c = excerpt.coding
            paragraph = document.add_paragraph(_xml_text(c.quote))
            paragraph._p.get_or_add_pPr().style = quote_style_id
            row = excerpt_row(excerpt)
            provenance = " · ".join(
                str(v)
                for v in (
                    c.source.title,
                    row[2],
                    row[3],
                    row[4],
                    excerpt.speaker,
                    row[6],
                    row[7],
                    f"theme: {c.theme.name}",
                    f"coded by {row[9]}",
                    f"characters {c.start}–{c.end}",
                )
                if v
            )
            paragraph = document.add_paragraph(_xml_text(provenance))
            paragraph.runs[0].italic = True
            if c.memo:
                document.add_paragraph(_xml_text(f"Memo: {c.memo}"))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def export_bytes(fmt: str, *, theme: Theme, excerpts: list[Excerpt]) -> bytes:
    title = f"Excerpts coded “{theme.name}”"
    if fmt == "csv":
        return excerpts_csv(excerpts)
    if fmt == "xlsx":
        return excerpts_xlsx(excerpts, title=title)
    return excerpts_docx(excerpts, title=title)


def export_response(fmt: str, *, theme: Theme, excerpts: list[Excerpt]) -> HttpResponse:
    content_type, extension = FORMATS[fmt]
    response = HttpResponse(export_bytes(fmt, theme=theme, excerpts=excerpts), content_type)
    name = f"{slugify(theme.name) or 'theme'}-excerpts.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
