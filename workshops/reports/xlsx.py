"""The report's tables as a workbook (XlsxWriter): one sheet per table, typed cells (counts
as numbers, dates as dates, agreement as numbers with a number format), column widths, the
header row frozen and filtered."""

from __future__ import annotations

import datetime
import io

import xlsxwriter

from . import Reporter
from .content import ReportContent

MAX_WIDTH = 60


class _Book:
    def __init__(self, buffer: io.BytesIO) -> None:
        self.book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        self.head = self.book.add_format({"bold": True, "bg_color": "#E9EDF0", "text_wrap": True})
        self.date = self.book.add_format({"num_format": "d mmm yyyy"})
        self.ratio = self.book.add_format({"num_format": "0.00"})
        self.percent = self.book.add_format({"num_format": "0%"})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})

    def sheet(self, name: str, header: list[str], rows: list[list], formats: dict | None = None):
        """A sheet `name` (cut to Excel's 31 characters) of `rows` under `header`; a column's
        format from `formats` (index -> "date", "ratio", "percent", "wrap")."""
        formats = formats or {}
        sheet = self.book.add_worksheet(name[:31])
        widths = [len(h) + 2 for h in header]
        for col, title in enumerate(header):
            sheet.write_string(0, col, title, self.head)
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                kind = formats.get(col)
                if value is None:
                    sheet.write_blank(r, col, None)
                elif isinstance(value, datetime.date):
                    sheet.write_datetime(r, col, value, self.date)
                    widths[col] = max(widths[col], 12)
                elif isinstance(value, bool):
                    sheet.write_boolean(r, col, value)
                elif isinstance(value, int | float):
                    fmt = {"ratio": self.ratio, "percent": self.percent}.get(kind or "")
                    sheet.write_number(r, col, value, fmt)
                    widths[col] = max(widths[col], len(str(value)) + 2)
                else:
                    text = str(value)
                    sheet.write_string(r, col, text, self.wrap if kind == "wrap" else None)
                    widths[col] = max(widths[col], min(MAX_WIDTH, len(text) + 2))
        for col, width in enumerate(widths):
            sheet.set_column(col, col, min(MAX_WIDTH, width))
        sheet.freeze_panes(1, 1 if len(header) > 2 else 0)
        if rows:
            sheet.autofilter(0, 0, len(rows), len(header) - 1)
        return sheet


def render_xlsx(content: ReportContent, *, progress: Reporter) -> tuple[bytes, None]:
    progress("Writing the workbook", 62)
    buffer = io.BytesIO()
    b = _Book(buffer)
    b.sheet(
        "Selection",
        ["Item", "Value"],
        [
            ["Report", content.title],
            ["Generated", content.generated.replace(tzinfo=None)],
            *[[label, value] for label, value in content.selection_lines],
            ["What is counted", content.measure_unit],
            ["Passages in all", content.total],
            [
                "Participants excluded by consent (counted, not named)",
                content.excluded_participants,
            ],
            ["Codings left out by consent", content.excluded_codings],
        ],
    )
    b.sheet(
        "Themes x sites",
        ["Theme", *[s.name for s in content.sites], "All sites"],
        [[r.name, *r.cells, r.total] for r in content.themes],
    )
    b.sheet(
        "Themes x phases",
        ["Theme", *content.phase_labels],
        [[r.name, *content.phase_values(r)] for r in content.themes],
    )
    progress("Writing the excerpts", 70)
    b.sheet(
        "Excerpts",
        [
            "Theme",
            "Site",
            "Quote",
            "Source",
            "Kind",
            "Date",
            "Phase",
            "Speaker",
            "Turn",
            "Characters",
            "Coders",
        ],
        [
            [
                s.row.name,
                g.site.name,
                q.text,
                q.source,
                q.source_kind,
                q.date,
                q.phase,
                q.speaker,
                q.turn,
                q.offsets,
                ", ".join(q.coders),
            ]
            for s in content.sections
            for g in s.sites
            for q in g.quotes
        ],
        {2: "wrap"},
    )
    progress("Writing the sites' tables", 80)
    b.sheet(
        "Workshop series",
        [
            "Site",
            "Series",
            "Planned sessions",
            "Sessions",
            "Held",
            "Written up",
            "Last held",
            "Next planned",
        ],
        [
            [
                w.site.name,
                s.title,
                s.planned,
                s.sessions,
                s.held,
                s.written_up,
                s.last_held,
                s.next_planned,
            ]
            for w in content.site_work
            for s in w.series
        ],
    )
    b.sheet(
        "Sessions",
        ["Site", "Series", "Number", "Session", "Date", "Status"],
        [
            [w.site.name, s.series, s.number, s.title, s.date, s.status]
            for w in content.site_work
            for s in w.sessions
        ],
    )
    b.sheet(
        "Contradictions",
        [
            "Site",
            "Level",
            "Contradiction",
            "Elements",
            "Model",
            "Status",
            "Since",
            "Evidence passages",
            "Experiments",
        ],
        [
            [
                w.site.name,
                c.level,
                c.formulation,
                c.elements,
                c.model,
                c.status,
                c.since,
                c.evidence,
                c.experiments,
            ]
            for w in content.site_work
            for c in w.contradictions
        ],
    )
    b.sheet(
        "Experiments",
        ["Site", "Experiment", "Owner", "Agreed in", "Start", "Review date", "Status", "Outcome"],
        [
            [
                w.site.name,
                e.title,
                e.owner,
                e.agreed_in,
                e.start,
                e.review_date,
                e.status,
                e.outcome,
            ]
            for w in content.site_work
            for e in w.experiments
        ],
    )
    b.sheet(
        "Coders",
        ["Coder", "Codings", "Distinct passages", "Sites"],
        [[c.name, c.codings, c.passages, c.sites] for c in content.coders],
    )
    b.sheet(
        "Agreement",
        ["Site", "Exercise", "Closed", "Coders", "Theme", "Units", "Agreement", "Kappa", "Alpha"],
        [
            [a.site, a.exercise, a.closed, a.coders, a.theme, a.units, a.percent, a.kappa, a.alpha]
            for a in content.agreement
        ],
        {6: "percent", 7: "ratio", 8: "ratio"},
    )
    progress("Saving the workbook", 95)
    b.book.close()
    return buffer.getvalue(), None
