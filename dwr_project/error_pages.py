"""The project's own 404, 403 and 500 pages under `make run` (DJANGO_DEBUG=1) too.

With DEBUG on, Django answers an unknown address with its technical page, which lists every
URL pattern of the project, and an error with a traceback page. `make run` is how people first
see the app (and how a demo is given), so it shows the pages a user of the real service sees;
the traceback still goes to the console. A developer who wants Django's pages sets
DJANGO_TECHNICAL_ERROR_PAGES=1. With DEBUG off this does nothing: Django's handlers
(`handler404`, `handler403`, `handler500`) already serve the same pages.

Why not run `make run` with DEBUG off instead: that would also switch on HTTPS redirects,
secure cookies, the production secret-key check, SMTP mail and hashed static files, each of
which would then need undoing for a laptop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver, resolve

logger = logging.getLogger("django.request")


def _active() -> bool:
    return settings.DEBUG and not settings.TECHNICAL_ERROR_PAGES


class FriendlyErrorPagesMiddleware:
    """Late in MIDDLEWARE, so the page is drawn with the user and messages already set."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _active():
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return self._handler(request, 404)(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not _active():
            return None
        if isinstance(exception, Http404):
            return self._handler(request, 404)(request, exception)
        if isinstance(exception, PermissionDenied):
            return self._handler(request, 403)(request, exception)
        logger.exception("Internal Server Error: %s", request.path, exc_info=exception)
        return self._handler(request, 500)(request)

    @staticmethod
    def _handler(request: HttpRequest, status: int):
        return get_resolver(getattr(request, "urlconf", None)).resolve_error_handler(status)
