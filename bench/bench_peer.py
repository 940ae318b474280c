"""This app against Taguette 1.5.2, side by side on this machine, over HTTP.

    .venv/bin/python bench/bench_peer.py [--runs 5]

The same 20,000-word, 300-turn interview (bench_import's generator) and 500 codings on each:
- upload: this app takes the .docx through the interview form (the embedded default: SQLite,
  the import runs in the request), then opens the import list; Taguette takes the same text as
  HTML (its in-process import; .docx needs Calibre, which is not installed) and opens the
  project page;
- view: the coding page of the document with its 500 codings; Taguette's document page and
  the contents request its page makes;
- add a coding to the document that has 500;
- export the theme's 500 excerpts as CSV, XLSX and DOCX (Taguette: its highlights export for
  the tag; its DOCX goes through Calibre's ebook-convert, installed from Debian when missing).
Both servers run one process on SQLite on 127.0.0.1; runs alternate between the two, and
the figure is the median of the runs.
"""

from __future__ import annotations

import argparse
import html
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from _setup import setup_django
from _transcript import interview
from peers import App, Taguette, app_env

PASSWORD = "peer-bench-2026"


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def seed_app(turns) -> dict:
    """The database both the bench process and gunicorn use: a site, a researcher, the
    interview already imported once with 500 codings (for the view and add-a-coding rows)."""
    from django.contrib.auth import get_user_model

    from fieldwork import services as fieldwork_services
    from fieldwork.demo import _docx
    from sites.models import Membership, Role, Site
    from themes.models import Coding, Theme

    site, _ = Site.objects.get_or_create(
        code="peer", defaults={"name": "Peer bench", "local_authority": "x"}
    )
    user, _ = get_user_model().objects.get_or_create(username="peer")
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.get_or_create(user=user, site=site, defaults={"role": Role.RESEARCHER})
    docx = _docx(turns)
    job = fieldwork_services.import_file(site=site, actor=user, name="coded.docx", data=docx)
    source = job.source
    theme, _ = Theme.objects.get_or_create(name="Peer bench theme")
    rng = random.Random(500)
    length = len(source.text)
    Coding.objects.bulk_create(
        [
            Coding(
                source=source,
                site=site,
                theme=theme,
                coder=user,
                start=(start := rng.randrange(0, length - 200)),
                end=start + rng.randrange(20, 200),
            )
            for _ in range(500)
        ]
    )
    return {
        "site": site.code,
        "source": source.pk,
        "theme": theme.pk,
        "length": length,
        "docx": docx,
    }


def view_in_browser(app, tag, ours, project, document, runs) -> dict:
    """What a person waits for: headless Chromium opens the document and the clock stops when
    the codings are drawn (ours: the server sends them drawn, and the page's script has run;
    Taguette: its script fetches the contents and draws the 500 highlights). Skipped without
    Chromium."""
    if not shutil.which("chromium"):
        return {}
    from playwright.sync_api import sync_playwright

    ours_ms: list[float] = []
    theirs_ms: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(extra_http_headers={"X-Forwarded-Proto": "https"})
        for client in (app.client, tag.client):
            context.add_cookies(
                [
                    {"name": k, "value": v, "url": f"http://127.0.0.1:{client.port}"}
                    for k, v in client.cookies.items()
                ]
            )
        page = context.new_page()
        our_url = f"http://127.0.0.1:{app.client.port}/themes/sources/{ours['source']}/code/"
        their_url = f"http://127.0.0.1:{tag.client.port}/project/{project}/document/{document}"
        for run in range(runs + 1):  # the first run fills both caches and is dropped
            started = time.perf_counter()
            page.goto(our_url, wait_until="load")
            page.wait_for_selector(".coded")
            mine = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            page.goto(their_url, wait_until="load")
            page.wait_for_function("document.querySelectorAll('.highlight').length >= 500")
            theirs = (time.perf_counter() - started) * 1000
            if run:
                ours_ms.append(mine)
                theirs_ms.append(theirs)
        browser.close()
    return {"View in Chromium until the 500 codings are drawn": (ours_ms, theirs_ms)}


def as_html(turns) -> bytes:
    body = "".join(f"<p>{html.escape(s)}: {html.escape(t)}</p>" for s, t in turns)
    return f"<html><body>{body}</body></html>".encode()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="dwr-peer-db-")
    database_url = f"sqlite:///{tmp}/peer.sqlite3"
    env = app_env(database_url)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DJANGO_PRIVATE_MEDIA_ROOT")})
    setup_django()
    turns = interview()
    ours = seed_app(turns)
    page = as_html(turns)
    if not shutil.which("ebook-convert"):
        print("Calibre's ebook-convert is missing: Taguette's DOCX export needs it; trying apt")
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "calibre"],
            check=False,
            stdout=subprocess.DEVNULL,
        )
    rng = random.Random(7)
    results: dict[str, dict[str, list[float]]] = {}

    def add(row: str, who: str, ms: float) -> None:
        results.setdefault(row, {"ours": [], "taguette": []})[who].append(ms)

    with App(env) as app, Taguette() as tag:
        app.login("peer", PASSWORD)
        project = tag.project_create("Peer bench")
        _, doc = tag.document_upload(project, "coded", page)
        document = doc["created"]
        tag_id = tag.tag_create(project, "peer bench theme")
        text_length = sum(len(s) + 2 + len(t) for s, t in turns)
        for _ in range(500):
            start = rng.randrange(0, text_length - 200)
            tag.highlight_create(project, document, start, start + rng.randrange(20, 200), tag_id)

        for run in range(args.runs + 1):  # the first run warms both up and is dropped
            keep = run > 0

            def our_upload(n=run):
                status, _, _ = app.client.post_multipart(
                    f"/fieldwork/{ours['site']}/interviews/new/",
                    {
                        "title": f"Upload {n}",
                        "date": "2026-11-30",
                        "mode": "individual",
                        **app.csrf(),
                    },
                    {
                        "transcript": (
                            "interview.docx",
                            ours["docx"],
                            "application/vnd.openxmlformats-officedocument."
                            "wordprocessingml.document",
                        )
                    },
                )
                assert status == 302, status
                assert app.client.get(f"/fieldwork/{ours['site']}/imports/")[0] == 200

            def their_upload(n=run):
                tag.document_upload(project, f"upload {n}", page)
                assert tag.project_page(project) == 200

            def our_view():
                assert app.client.get(f"/themes/sources/{ours['source']}/code/")[0] == 200

            def their_view():
                assert tag.client.get(f"/project/{project}/document/{document}")[0] == 200
                assert tag.document_contents(project, document) == 200

            def our_add():
                start = rng.randrange(0, ours["length"] - 200)
                status, _, _ = app.client.post_form(
                    f"/themes/sources/{ours['source']}/codings/new/",
                    {"theme": ours["theme"], "start": start, "end": start + 80, **app.csrf()},
                )
                assert status == 201, status

            def their_add():
                start = rng.randrange(0, text_length - 200)
                tag.highlight_create(project, document, start, start + 80, tag_id)

            def our_export(fmt):
                def fetch():
                    status, body, _ = app.client.get(f"/themes/{ours['theme']}/export/{fmt}/")
                    assert status == 200 and body, status

                return fetch

            def their_export(ext):
                def fetch():
                    status, body, _ = tag.client.get(
                        f"/project/{project}/export/highlights/peer%20bench%20theme.{ext}"
                    )
                    assert status == 200 and body, status

                return fetch

            exports = [
                (f"Export 500 excerpts, {fmt.upper()}", our_export(fmt), their_export(fmt))
                for fmt in ("csv", "xlsx", "docx")
                if fmt != "docx" or shutil.which("ebook-convert")
            ]
            for row, mine, theirs in (
                ("Upload .docx → import list (Taguette: HTML)", our_upload, their_upload),
                ("View a coded document (500 codings)", our_view, their_view),
                ("Add a coding (document with 500)", our_add, their_add),
                *exports,
            ):
                a, b = timed(mine), timed(theirs)
                if keep:
                    add(row, "ours", a)
                    add(row, "taguette", b)

        browser_rows = view_in_browser(app, tag, ours, project, document, args.runs)
        for row, (mine, theirs) in browser_rows.items():
            results[row] = {"ours": mine, "taguette": theirs}

    print(f"\nMedian of {args.runs} runs, ms (20,000 words, 300 turns, 500 codings)\n")
    print("| operation | ours | Taguette 1.5.2 | ratio |")
    print("|---|---:|---:|---:|")
    for row, both in results.items():
        mine, theirs = statistics.median(both["ours"]), statistics.median(both["taguette"])
        print(f"| {row} | {mine:.1f} | {theirs:.1f} | {mine / theirs:.2f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
