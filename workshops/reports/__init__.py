"""The cross-site report (issue 11) for project leads: the study and the selection, the
themes × sites matrix and themes over phases (charts and the tables behind them), the most
telling excerpts per theme and site with full provenance, each site's workshop series,
contradictions register and experiments, and a methods appendix.

* `content.report_content(selection, user=…)` gathers it into plain values, consent applied
  once (the dashboard's counts, the theme pages' excerpt selectors);
* `pdf`, `docx` and `xlsx` render it; `charts` draws the two charts as SVG and PNG.

`build_report(selection, fmt, progress)` is the one entry point for the page, the command and
the document jobs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

FORMATS = ("pdf", "docx", "xlsx")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXCERPTS_PER_SITE = 2

Progress = Callable[[str, int], None]
# What the renderers are given: a progress callback that also takes a ceiling to creep to.
Reporter = Callable[..., None]


@dataclass(frozen=True)
class ReportSelection:
    """What the report covers; empty means 'all'. `user_id` is the project lead it is built
    for (their view: blind exercises they code in stay blind). Plain values, so a document
    job can store it as JSON (`as_dict` / `from_dict`)."""

    user_id: int
    sites: tuple[str, ...] = ()  # site codes
    phases: tuple[int, ...] = ()  # phase numbers
    themes: tuple[int | str, ...] = ()  # theme ids (or names, from the command line)
    kinds: tuple[str, ...] = ()  # fieldwork.SourceKind values
    excerpts_per_site: int = EXCERPTS_PER_SITE

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ReportSelection:
        return cls(
            user_id=int(data["user_id"]),
            sites=tuple(data.get("sites", ())),
            phases=tuple(int(n) for n in data.get("phases", ())),
            themes=tuple(data.get("themes", ())),
            kinds=tuple(data.get("kinds", ())),
            excerpts_per_site=int(data.get("excerpts_per_site", EXCERPTS_PER_SITE)),
        )


@dataclass
class ReportResult:
    content: bytes
    filename: str
    content_type: str
    page_count: int | None  # None for DOCX (Word paginates) and XLSX
    participant_ids: list[int] = field(default_factory=list)  # whose words are quoted
    site_ids: list[int] = field(default_factory=list)  # the sites it covers


class ReportError(ValueError):
    """What a person must change for the report to build (an unknown site code, a user who
    is not a project lead…), in plain words."""


def build_report(
    selection: ReportSelection, fmt: str, progress: Progress | None = None
) -> ReportResult:
    """The report of `selection` as `fmt` ('pdf', 'docx' or 'xlsx').

    `progress(step, percent)` is called at each step and at least every second of work:
    during a single long query or library call (WeasyPrint's layout) it is called from a
    helper thread, so a callback that writes to the database uses that thread's own
    connection (Django gives each thread one; the helper closes it when done). Raises
    `ReportError` for a selection that cannot be built."""
    from django.contrib.auth import get_user_model

    from sites.models import is_project_lead

    from .content import SelectionError, report_content

    if fmt not in FORMATS:
        raise ReportError(f"Choose a format: {', '.join(FORMATS)} (not {fmt!r}).")
    user = get_user_model().objects.filter(pk=selection.user_id, is_active=True).first()
    if user is None or not is_project_lead(user):
        raise ReportError("Only project leads can build the cross-site report.")
    with _Reporter(progress) as step:
        try:
            content = report_content(selection, user=user, progress=step)
        except SelectionError as exc:
            raise ReportError(str(exc)) from None
        pages: int | None
        if fmt == "pdf":
            from .pdf import render_pdf

            data, pages = render_pdf(content, progress=step)
        elif fmt == "docx":
            from .docx import render_docx

            data, pages = render_docx(content, progress=step)
        else:
            from .xlsx import render_xlsx

            data, pages = render_xlsx(content, progress=step)
        step("Done", 100)
    return ReportResult(
        content=data,
        filename=report_filename(content.generated, fmt),
        content_type=CONTENT_TYPES[fmt],
        page_count=pages,
        participant_ids=content.participant_ids,
        site_ids=content.site_ids,
    )


def report_filename(when, fmt: str) -> str:
    return f"cross-site-report-{when:%Y-%m-%d}.{fmt}"


class _Reporter:
    """The caller's progress callback, called at each step and, from a helper thread,
    re-sent (same step, same or creeping percentage) whenever a second has passed without
    one: a single long query or library call (WeasyPrint's layout) reports nothing itself.
    Percentages never go backwards; calls are serialised by a lock."""

    EVERY = 1.0

    def __init__(self, callback: Progress | None) -> None:
        self.callback = callback
        self.step, self.percent, self.ceiling = "Starting", 0, 0
        self.last = time.monotonic()
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def __call__(self, step: str, percent: int, until: int | None = None) -> None:
        """Report `step` at `percent`; the helper thread may creep towards `until`."""
        with self.lock:
            self.step = step
            self.percent = max(self.percent, min(100, int(percent)))
            self.ceiling = max(self.percent, until or 0)
            self._send()

    def _send(self) -> None:
        self.last = time.monotonic()
        if self.callback is not None:
            self.callback(self.step, self.percent)

    def _beat(self) -> None:
        from django.db import connections

        try:
            while not self.done.wait(self.EVERY / 4):
                with self.lock:
                    if time.monotonic() - self.last >= self.EVERY:
                        if self.ceiling > self.percent:
                            self.percent += max(0, (self.ceiling - self.percent) // 8)
                        self._send()
        finally:
            connections.close_all()  # this thread's connections, if the callback opened any

    def __enter__(self) -> _Reporter:
        if self.callback is not None:
            self.thread = threading.Thread(target=self._beat, name="report-progress", daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join()
