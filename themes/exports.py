"""Excerpt exports: CSV, XLSX (XlsxWriter) and DOCX (python-docx), quotes with provenance,
grouped by site. One row (or quote) per coded passage, naming every coder who coded it, and
placed by turn and speaker. Callers pass excerpts already filtered for visibility and consent."""

from __future__ import annotations

import csv
import datetime
import functools
import io
import re
from collections.abc import Callable
from itertools import groupby

from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.text import slugify

from fieldwork.models import SourceKind
from sites.models import Level

from .models import Theme
from .selectors import Excerpt

IN_MEMORY_ROWS = 2000
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}
# (header, XLSX column width in characters, wrapped): the quote and memos wrap in wide
# columns, the rest are short.
COLUMNS = [
    ("Site", 18, False),
    ("Source", 28, True),
    ("Kind", 12, False),
    ("Date", 12, False),
    ("Phase", 24, True),
    ("Turn", 12, False),
    ("Speaker", 16, False),
    ("Profession", 18, False),
    ("Level", 12, False),
    ("Theme", 24, True),
    ("Coders", 20, True),
    ("Quote", 70, True),
    ("Memos", 40, True),
]
HEADERS = [name for name, _width, _wrap in COLUMNS]


@functools.lru_cache(maxsize=64)
def _label(choices: type, value: str, language: str | None) -> str:
    # A choice's label is a lazy translation: resolving it per row was a third of a CSV
    # export's time, so each (value, language) is resolved once.
    return str(choices(value).label)


def excerpt_row(excerpt: Excerpt) -> list:
    """One passage's cells, typed: the source's date is a `date` (or None)."""
    c = excerpt.coding
    participant = c.participant
    profession = participant.profession if participant else None
    language = translation.get_language()
    return [
        c.site.name,
        c.source.title,
        _label(SourceKind, c.source.kind, language),
        c.source.date,
        str(excerpt.phase) if excerpt.phase else "",
        excerpt.turn,
        excerpt.speaker,
        profession.name if profession else "",
        _label(Level, participant.level, language) if participant and participant.level else "",
        c.theme.name,
        "; ".join(excerpt.coders),
        c.quote,
        "\n".join(f"{coder}: {memo}" for coder, memo in excerpt.memos),
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


def _csv_cell(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else _safe_cell(value)


def excerpts_csv(excerpts: list[Excerpt]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows([_csv_cell(v) for v in excerpt_row(e)] for e in excerpts)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


Written = Callable[[int, int], None]  # (rows written, of how many): a document job's progress
EVERY = 250  # rows between two calls of `written`


def _nothing(done: int, total: int) -> None:
    return None


def excerpts_xlsx(excerpts: list[Excerpt], *, title: str, written: Written = _nothing) -> bytes:
    """Every cell is written with its type's own method, so text is never read as a formula
    or a link, and dates are real dates. Up to IN_MEMORY_ROWS rows the workbook is built in
    memory (about twice as fast as constant-memory mode for the 500 rows of a request, see
    bench/RESULTS.md); beyond, as in a document job, rows stream to a temporary file as
    written, so memory stays flat however many there are."""
    import xlsxwriter

    buffer = io.BytesIO()
    streamed = len(excerpts) > IN_MEMORY_ROWS
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": streamed, "in_memory": not streamed})
    workbook.set_properties({"title": _xml_text(title)})
    sheet = workbook.add_worksheet("Excerpts")
    header = workbook.add_format({"bold": True, "valign": "top", "bottom": 1})
    plain = workbook.add_format({"valign": "top"})
    wrapped = workbook.add_format({"valign": "top", "text_wrap": True})
    dated = workbook.add_format({"valign": "top", "num_format": "d mmm yyyy"})
    formats = []
    for col, (name, width, wrap) in enumerate(COLUMNS):
        formats.append(dated if name == "Date" else wrapped if wrap else plain)
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    for col, name in enumerate(HEADERS):
        sheet.write_string(0, col, name, header)
    for row, excerpt in enumerate(excerpts, start=1):
        if row % EVERY == 0:
            written(row, len(excerpts))
        for col, value in enumerate(excerpt_row(excerpt)):
            if isinstance(value, datetime.date):
                sheet.write_datetime(row, col, value, formats[col])
            elif value:
                sheet.write_string(row, col, _xml_text(str(value)), formats[col])
    sheet.autofilter(0, 0, max(len(excerpts), 1), len(COLUMNS) - 1)
    workbook.close()
    return buffer.getvalue()


def excerpts_docx(excerpts: list[Excerpt], *, title: str, written: Written = _nothing) -> bytes:
    from docx import Document

    document = Document()
    title = _xml_text(title)
    document.core_properties.title = title
    document.add_heading(title, level=1)
    document.add_paragraph(
        f"{len(excerpts)} coded passages (each listed once, with every coder), exported "
        f"{timezone.localtime():%d %B %Y %H:%M}. "
        "Pseudonyms only; participants who withdrew consent are excluded."
    )
    # Look the Quote style up once: python-docx resolves a style given by name or object on
    # every paragraph (scanning all styles for the default), which was most of the export.
    quote_style_id = document.styles["Quote"].style_id
    done = 0
    for site_name, group in groupby(excerpts, key=lambda e: e.coding.site.name):
        document.add_heading(_xml_text(site_name), level=2)
        for excerpt in group:
            done += 1
            if done % EVERY == 0:
                written(done, len(excerpts))
            c = excerpt.coding
            paragraph = document.add_paragraph(_xml_text(c.quote))
            paragraph._p.get_or_add_pPr().style = quote_style_id
            row = excerpt_row(excerpt)
            provenance = " · ".join(
                str(v)
                for v in (
                    c.source.title,
                    row[2],
                    f"{c.source.date.day} {c.source.date:%B %Y}" if c.source.date else "",
                    row[4],
                    excerpt.place,
                    row[7],
                    row[8],
                    f"theme: {c.theme.name}",
                    f"coded by {', '.join(excerpt.coders)}",
                )
                if v
            )
            paragraph = document.add_paragraph(_xml_text(provenance))
            paragraph.runs[0].italic = True
            for coder, memo in excerpt.memos:
                document.add_paragraph(_xml_text(f"Memo ({coder}): {memo}"))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def export_bytes(
    fmt: str, *, theme: Theme, excerpts: list[Excerpt], written: Written = _nothing
) -> bytes:
    title = f"Excerpts coded “{theme.name}”"
    if fmt == "csv":
        return excerpts_csv(excerpts)
    if fmt == "xlsx":
        return excerpts_xlsx(excerpts, title=title, written=written)
    return excerpts_docx(excerpts, title=title, written=written)


def export_response(fmt: str, *, theme: Theme, excerpts: list[Excerpt]) -> HttpResponse:
    content_type, extension = FORMATS[fmt]
    response = HttpResponse(export_bytes(fmt, theme=theme, excerpts=excerpts), content_type)
    name = f"{slugify(theme.name) or 'theme'}-excerpts.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
