"""Settings come from the environment; production refuses to start without a secret key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.urls import path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_and_offline_commands_need_no_secret_key():
    assert manage("check", DJANGO_DEBUG="1").returncode == 0
    result = manage("makemigrations", "--check", "--dry-run", DJANGO_DEBUG="0")
    assert result.returncode == 0, result.stderr


MAKE_RUN_PROBE = """
from django.test import Client
client = Client(raise_request_exception=False)
for path in ("/no-such-page/", "/themes/999999/"):
    response = client.get(path, HTTP_HOST="127.0.0.1")
    print(path, response.status_code, "<h1>Page not found</h1>" in response.text,
          "URLconf" in response.text or "Using the URLconf" in response.text)
"""


def test_make_run_shows_the_friendly_404_page_not_the_url_pattern_list(tmp_path):
    # `make run`'s settings: DJANGO_DEBUG=1 and nothing else.
    result = manage(
        "shell",
        "-c",
        MAKE_RUN_PROBE,
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "/no-such-page/ 404 True False" in lines
    assert "/themes/999999/ 302 False False" in lines  # anonymous: to the log-in page first


def test_a_developer_can_ask_for_djangos_technical_404_page(tmp_path):
    result = manage(
        "shell",
        "-c",
        MAKE_RUN_PROBE,
        DJANGO_DEBUG="1",
        DJANGO_TECHNICAL_ERROR_PAGES="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}",
    )
    assert "/no-such-page/ 404 False True" in result.stdout.splitlines()


def test_with_debug_on_a_views_404_and_403_are_the_projects_pages(
    settings, client_for, outsider, viewer, site_a
):
    from django.urls import reverse

    settings.DEBUG = True
    other_site = client_for(outsider).get(reverse("sites:site-detail", args=[site_a.code]))
    assert other_site.status_code == 404
    assert "<h1>Page not found</h1>" in other_site.text and "URLconf" not in other_site.text
    read_only = client_for(viewer).post(
        reverse("sites:participant-create", args=[site_a.code]), {"pseudonym": "Helen"}
    )
    assert read_only.status_code == 403 and "<h1>You cannot make this change</h1>" in read_only.text
    assert not site_a.participants.exists()


def _broken_view(request):
    raise RuntimeError("a bug")


# The URLconf of the test below: one view with a bug.
urlpatterns = [path("broken/", _broken_view)]


def test_with_debug_on_an_error_is_the_projects_500_page_and_the_traceback_is_logged(
    settings, client_for, researcher, caplog
):
    settings.DEBUG = True
    settings.ROOT_URLCONF = __name__
    client = client_for(researcher)
    client.raise_request_exception = False
    with caplog.at_level("ERROR", logger="django.request"):
        response = client.get("/broken/")
    assert response.status_code == 500
    assert "Something went wrong" in response.text and "Traceback" not in response.text
    assert any("a bug" in (r.exc_text or str(r.exc_info)) for r in caplog.records)
