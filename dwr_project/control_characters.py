"""Refuse control characters in anything posted, before any view can store it.

A control character (U+0001 pasted from another program, say) is invisible on the page but
not in an XML-based file: once stored in a memo, a theme's name or a pseudonym it broke the
XLSX and DOCX exports of everything that showed it. Checking every posted field here covers
every form (ours, the admin's, those still to come) and the coding workspace's requests; the
view never runs, so nothing is written. Tab, line feed and carriage return are text.
Uploaded files' names are cleaned by Django itself (non-printable characters removed).
Transcripts imported from files are cleaned rather than refused (`normalise_text`,
`importers.base.finish_text`): a Word line break is a control character too.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# C0 controls except tab, LF and CR; DEL; the C1 controls.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
WRITE_METHODS = {"POST", "PUT", "PATCH"}


def control_character_problem(request: HttpRequest) -> str | None:
    """A plain-words message naming the first posted field that holds a control character."""
    for name, values in request.POST.lists():
        for value in values:
            found = CONTROL_CHARACTER.search(value)
            if found:
                return (
                    f"The field “{CONTROL_CHARACTER.sub('', name)}” contains an invisible "
                    f"control character (U+{ord(found.group()):04X}), often left by copying "
                    "from another program. Remove it (retype the text around it) and try "
                    "again. Nothing was saved."
                )
    return None


class RefuseControlCharactersMiddleware:
    """Answers 400 with the message (an HTML page to a browser's form, plain text to the
    workspace's scripts) instead of calling the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.method not in WRITE_METHODS:
            return None
        message = control_character_problem(request)
        if message is None:
            return None
        if "text/html" in request.headers.get("Accept", ""):
            return render(request, "400.html", {"message": message}, status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
