"""The report as PDF: WeasyPrint lays out the template the preview page shows
(workshops/reports/_body.html) with the print rules of static/css/report.css (A4, running
header, page numbers, the matrix on a landscape page). It reuses the pack's fetcher, which
serves the app's own static files and refuses every other URL (the charts come as SVG
data: URLs, served by `ReportFetcher`)."""

from __future__ import annotations

import base64

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcherResponse

from ..packs.pdf import BASE_URL, StaticOnlyFetcher
from . import Reporter
from .charts import report_charts
from .content import ReportContent

SVG_DATA = "data:image/svg+xml;base64,"


class ReportFetcher(StaticOnlyFetcher):
    """The pack's fetcher (the app's static files, nothing else), and the report's own charts
    as SVG data: URLs (`charts.Chart.data_url`)."""

    def fetch(self, url, headers=None):
        if url.startswith(SVG_DATA):
            data = base64.b64decode(url[len(SVG_DATA) :])
            return URLFetcherResponse(url, data, {"Content-Type": "image/svg+xml"})
        return super().fetch(url, headers)


def render_html(content: ReportContent, *, document: bool = True) -> str:
    return render_to_string(
        "workshops/reports/report_document.html", report_context(content, document=document)
    )


def report_context(content: ReportContent, *, document: bool) -> dict:
    """What `_body.html` reads: the content and its charts."""
    matrix, phases = report_charts(content)
    return {
        "report": content,
        "matrix_charts": matrix,
        "phase_charts": phases,
        "document": document,
    }


def render_pdf(content: ReportContent, *, progress: Reporter) -> tuple[bytes, int]:
    """(the PDF's bytes, its number of pages)."""
    progress("Laying out the PDF", 62, 88)
    html = render_html(content)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=ReportFetcher()).render()
    progress("Writing the PDF", 90, 99)
    data = document.write_pdf()
    return data, len(document.pages)
