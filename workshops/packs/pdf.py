"""The pack as PDF: WeasyPrint lays out the template the preview page shows
(workshops/pack/_body.html) with the print rules of static/css/pack.css (A4, running header
with site and session, page numbers). The conceptual tools are inline SVG, drawn as vectors.

WeasyPrint never fetches anything over the network: `StaticOnlyFetcher` serves the app's own
static files (from the staticfiles finders, or STATIC_ROOT once collected) and refuses every
other URL, so nothing in a pack can make the server call out.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML, URLFetcher
from weasyprint.urls import URLFetcherResponse

from .content import PackContent

# The document's base URL: relative and root-relative links resolve under it, and it names
# no real host.
BASE_URL = "https://pack.invalid/"


class StaticOnlyFetcher(URLFetcher):
    """Serves `https://pack.invalid/static/…` from the app's static files; refuses the rest."""

    def __init__(self):
        super().__init__(allowed_protocols=("https",), fail_on_errors=False)

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        prefix = settings.STATIC_URL
        if parts.scheme != "https" or parts.netloc != "pack.invalid":
            raise ValueError(f"The pack fetches only the app's static files, not {url}")
        if not parts.path.startswith(prefix):
            raise ValueError(f"The pack fetches only the app's static files, not {url}")
        path = static_file(unquote(parts.path[len(prefix) :]))
        if path is None:
            raise ValueError(f"No static file {parts.path}")
        mime, _ = mimetypes.guess_type(path.name)
        return URLFetcherResponse(
            url, path.read_bytes(), {"Content-Type": mime or "application/octet-stream"}
        )


def static_file(relative: str) -> Path | None:
    """The file behind a static path, found as the staticfiles app finds it; None for
    anything outside the static directories (no '..', no absolute paths)."""
    if not relative or relative.startswith("/") or ".." in Path(relative).parts:
        return None
    root = Path(settings.STATIC_ROOT)
    candidate = (root / relative).resolve()
    if candidate.is_file() and candidate.is_relative_to(root.resolve()):
        return candidate
    found = finders.find(relative)
    return Path(found) if found else None


def render_html(content: PackContent) -> str:
    return render_to_string("workshops/pack/pack_document.html", {"pack": content})


def render_pdf(content: PackContent) -> tuple[bytes, int]:
    """(the PDF's bytes, its number of pages)."""
    document = HTML(
        string=render_html(content), base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()
    ).render()
    return document.write_pdf(), len(document.pages)
