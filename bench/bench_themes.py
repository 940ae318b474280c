"""Benchmark the themes app at scale (20 sites, 2,000 sources, ~16M words, 200,000 codings).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dwr_bench .venv/bin/python bench/bench_themes.py

Creates the database if missing, migrates, builds the large project (`themes.demo.seed_large`,
idempotent), then measures each operation as the median of 5 runs after one warm-up, and
writes the "Themes" section of bench/RESULTS.md (other sections are kept).
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dwr_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dwr_project.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
os.environ.setdefault("DJANGO_SECURE", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_STATIC_MANIFEST", "0")
os.environ.setdefault("DJANGO_LOG_LEVEL", "ERROR")
RUNS = 5


def ensure_database() -> None:
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    conn = psycopg2.connect(
        dbname="postgres", user=config["USER"], host=config["HOST"], port=config["PORT"] or 5432
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    conn.close()


def median_ms(fn, runs: int = RUNS) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from fieldwork.models import Segment, Source
    from sites.models import (
        ConsentDecision,
        ConsentRecord,
        ConsentScope,
        Membership,
        Participant,
        ResearchPhase,
        Role,
    )
    from themes import exports, selectors
    from themes.demo import seed_large
    from themes.models import Coding, Theme

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0, quiet=True, force=True)  # phases, personas, codebook
    started = time.monotonic()
    print(seed_large(stdout=sys.stdout))
    seed_seconds = time.monotonic() - started
    for participant in Participant.objects.filter(pseudonym__endswith="-07"):
        ConsentRecord.objects.get_or_create(
            participant=participant,
            scope=ConsentScope.PARTICIPATION,
            decision=ConsentDecision.WITHDRAWN,
            defaults={"effective_date": datetime.date(2006, 3, 1)},
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    User = get_user_model()
    lead = User.objects.get(username="lead")
    Membership.objects.get_or_create(user=lead, site=None, defaults={"role": Role.LEAD})
    client = Client()
    client.force_login(lead)
    n_codings = Coding.objects.count()
    n_sources = Source.objects.count()
    with connection.cursor() as cursor:
        # Exact, over every source (about 7 s at 16M words); an unordered sample of 50 was
        # biased by whichever sources the table happened to hold first.
        cursor.execute(
            "SELECT COALESCE(SUM(array_length(regexp_split_to_array(text, '\\s+'), 1)), 0) "
            "FROM fieldwork_source"
        )
        words = int(cursor.fetchone()[0])
    results: list[tuple[str, float, str]] = []

    # 1. Dashboard: the full request vs the hand-written GROUP BY for the same numbers.
    dashboard_url = reverse("themes:dashboard")
    dash_ms = median_ms(lambda: client.get(dashboard_url))
    phases = list(ResearchPhase.objects.all())
    excluded = list(Participant.objects.excluded_by_consent().values_list("pk", flat=True))
    case = " ".join(
        f"WHEN s.date BETWEEN '{p.start}' AND '{p.end}' THEN {p.number}" for p in phases
    )
    raw_sql = f"""
        SELECT c.theme_id, c.site_id, CASE {case} ELSE 0 END AS phase,
               COUNT(DISTINCT (c.source_id, c.start, c."end"))
        FROM themes_coding c JOIN fieldwork_source s ON s.id = c.source_id
        WHERE NOT EXISTS (
            SELECT 1 FROM fieldwork_segment g
            WHERE g.source_id = c.source_id AND g.start < c."end" AND g."end" > c.start
              AND g.participant_id = ANY(%s))
        GROUP BY 1, 2, 3
    """

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(raw_sql, [excluded])
            return cursor.fetchall()

    raw_ms = median_ms(raw)
    data = selectors.dashboard_data(user=lead, filters=selectors.ExcerptFilters())
    totals: dict[tuple[int, int], int] = {}
    for theme_id, site_id, _phase, n in raw():
        totals[(theme_id, site_id)] = totals.get((theme_id, site_id), 0) + n
    same = all(
        row.cells[i] == totals.get((row.node.theme.pk, site.pk), 0)
        for row in data.rows
        for i, site in enumerate(data.sites)
    )
    results.append(("Dashboard (GET /themes/dashboard/, lead, all 25 sites)", dash_ms, "≤ 150"))
    results.append(("Raw SQL GROUP BY (theme, site, phase), same numbers", raw_ms, "—"))
    cooc_ms = median_ms(lambda: client.get(reverse("themes:dashboard-cooccurrence")))
    results.append(("Co-occurrence matrix (lazy fragment of the dashboard)", cooc_ms, "—"))

    # 2. Source view with 500 codings.
    source = Source.objects.filter(site__code="bench-01").order_by("pk").first()
    have = Coding.objects.filter(source=source).count()
    if have < 500:
        turns = list(Segment.objects.filter(source=source).values_list("start", "end"))
        theme_ids = list(Theme.objects.codable().values_list("pk", flat=True))
        Coding.objects.bulk_create(
            Coding(
                source=source,
                site_id=source.site_id,
                theme_id=theme_ids[i % len(theme_ids)],
                coder=lead,
                start=turns[i % len(turns)][0] + (i % 7),
                end=turns[i % len(turns)][0] + (i % 7) + 40,
            )
            for i in range(500 - have)
        )
    source_url = reverse("themes:source-code", kwargs={"pk": source.pk})
    results.append(
        ("Source coding view, 500 codings", median_ms(lambda: client.get(source_url)), "≤ 22")
    )

    # 3. Add one coding (the picker's POST, including the re-rendered turns it overlaps).
    theme = Theme.objects.codable().order_by("pk").first()
    other = Source.objects.filter(site__code="bench-02").order_by("pk").first()
    create_url = reverse("themes:coding-create", kwargs={"pk": other.pk})
    created_before = Coding.objects.filter(source=other).count()
    add_ms = median_ms(lambda: client.post(create_url, {"start": 10, "end": 60, "theme": theme.pk}))
    Coding.objects.filter(source=other).order_by("-pk")[: RUNS + 1]
    extra = Coding.objects.filter(source=other).count() - created_before
    Coding.objects.filter(
        pk__in=list(
            Coding.objects.filter(source=other).order_by("-pk").values_list("pk", flat=True)[:extra]
        )
    ).delete()
    results.append(("Add one coding (POST, returns the turns it overlaps)", add_ms, "≤ 9"))
    from themes.services import coding_create

    svc_ms = median_ms(
        lambda: coding_create(source=other, theme=theme, coder=lead, start=10, end=60)
    )
    Coding.objects.filter(source=other, coder=lead, start=10, end=60).delete()
    results.append(("Add one coding (service only)", svc_ms, "—"))

    # 4. Export 500 excerpts: selection (one query) + rendering, per format.
    def five_hundred():
        qs = selectors.excerpt_queryset(
            user=lead, filters=selectors.ExcerptFilters(), phases=phases, theme_ids=[theme.pk]
        )
        return selectors.with_phases(qs[:500], phases)

    assert len(five_hundred()) == 500
    targets = {"csv": "≤ 40", "xlsx": "≤ 50", "docx": "≤ 200"}
    for fmt in ("csv", "xlsx", "docx"):
        ms = median_ms(
            lambda fmt=fmt: exports.export_bytes(fmt, theme=theme, excerpts=five_hundred())
        )
        results.append((f"Export 500 excerpts to {fmt.upper()} (query + file)", ms, targets[fmt]))
    # The two halves apart: what the query costs, and what each library costs on its own for
    # the same 500 excerpts (7,000 cells for CSV and XLSX).
    results.append(
        ("Export selection only (the 500 excerpts' query)", median_ms(five_hundred), "—")
    )
    loaded = five_hundred()
    for fmt in ("csv", "xlsx", "docx"):
        ms = median_ms(lambda fmt=fmt: exports.export_bytes(fmt, theme=theme, excerpts=loaded))
        library = {"csv": "csv module", "xlsx": "XlsxWriter", "docx": "python-docx"}[fmt]
        results.append((f"{fmt.upper()} file only ({library}, no query)", ms, "—"))

    # 5. Search within coded excerpts (retrieval page with words).
    search_url = reverse("themes:theme-detail", kwargs={"pk": theme.pk})
    search_ms = median_ms(lambda: client.get(search_url, {"q": "threshold protocol"}))
    results.append(("Excerpt search (theme page, q='threshold protocol')", search_ms, "—"))
    page_ms = median_ms(lambda: client.get(search_url))
    results.append(("Retrieval page (theme page, 50 of ~4,900 excerpts)", page_ms, "—"))

    lines = [
        "## Themes",
        "",
        f"Run {datetime.datetime.now():%Y-%m-%d %H:%M} with `bench/bench_themes.py` on PostgreSQL "
        f"{connection.pg_version // 10000}; Python {platform.python_version()}. Median of "
        f"{RUNS} runs after a warm-up, milliseconds, in-process Django test client (server "
        "time, no network).",
        "",
        f"Data: {Source.objects.values('site').distinct().count()} sites with sources, "
        f"{n_sources:,} sources, {words:,} words, {n_codings:,} codings "
        f"({Segment.objects.count():,} speaker turns); {len(excluded)} participants withdrawn. "
        f"Large seed (`seed_large`) took {seed_seconds:.0f} s in this run "
        "(0 s when already built; a fresh build took 47 s).",
        "",
        "| Operation | Median (ms) | Target (ms) |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {ms:.1f} | {target} |" for name, ms, target in results]
    lines += [
        "",
        f"Dashboard / raw SQL ratio: **{dash_ms / raw_ms:.2f}×** (target ≤ 1.5×); "
        f"the dashboard's matrix equals the raw GROUP BY's: **{same}**.",
        "",
    ]
    section = "\n".join(lines)
    print(section)
    write_section(section)


def write_section(section: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    header = (
        "# Benchmark results\n\nMachine: 2 cores, 24 GiB RAM, Python 3.11.7, PostgreSQL on "
        "127.0.0.1.\n\n"
    )
    text = path.read_text() if path.exists() else header
    pattern = re.compile(r"## Themes\n.*?(?=\n## |\Z)", re.S)
    if pattern.search(text):
        text = pattern.sub(section.rstrip("\n") + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


if __name__ == "__main__":
    main()
