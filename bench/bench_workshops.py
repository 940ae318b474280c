"""Benchmark the workshops app on the large project (the themes benchmark's `seed_large`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dwr_workshops_bench \
        .venv/bin/python bench/bench_workshops.py

Measures, as the median of 5 runs after a warm-up, the mirror-excerpt search of one site
(the facilitator's search: theme, words, both) beside the themes retrieval page for the same
theme and words, and a session page with 40 mirror items, 30 attendees and its model; writes
the "Workshops" section of bench/RESULTS.md (other sections are kept).
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dwr_workshops_bench")

from bench_themes import ROOT, RUNS, ensure_database, median_ms  # noqa: E402

WORDS = "threshold protocol"


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from fieldwork.models import Source
    from sites.models import Membership, Participant, Role, Site
    from themes.demo import seed_large
    from themes.models import Coding, Theme
    from workshops import services
    from workshops.models import ActivitySystemModel, ElementEntry, MirrorItem

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0, quiet=True, force=True)
    started = time.monotonic()
    print(seed_large(stdout=sys.stdout))
    seed_seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    lead = get_user_model().objects.get(username="lead")
    Membership.objects.get_or_create(user=lead, site=None, defaults={"role": Role.LEAD})
    client = Client()
    client.force_login(lead)
    site = Site.objects.get(code="bench-01")
    theme = Theme.objects.codable().order_by("pk").first()
    series = site.workshop_series.first() or services.series_create(
        site=site, actor=lead, title="Benchmark series"
    )
    workshop = series.sessions.get(number=1)
    if not workshop.mirror_items.exists():
        people = list(Participant.objects.filter(site=site).order_by("pk")[:30])
        services.workshop_attendees_set(workshop=workshop, actor=lead, participants=people)
        for i in range(40):
            item = MirrorItem.objects.create(
                workshop=workshop, site=site, kind="excerpt", text=f"Words {i}", source_title="S"
            )
            item.speakers.add(people[i % len(people)])
        model = ActivitySystemModel.objects.create(
            site=site, title="Today", perspective="The team", built_in=workshop
        )
        ElementEntry.objects.bulk_create(
            ElementEntry(model=model, element="rules", text=f"Rule {i}") for i in range(14)
        )

    site_codings = Coding.objects.filter(site=site).count()
    theme_codings = Coding.objects.filter(site=site, theme=theme).count()
    retrieval = reverse("themes:theme-detail", kwargs={"pk": theme.pk})
    mirror = reverse("workshops:workshop-mirror", kwargs={"code": site.code, "pk": workshop.pk})
    results = [
        (
            f"Retrieval page, theme + words q='{WORDS}', all sites",
            median_ms(lambda: client.get(retrieval, {"q": WORDS})),
        ),
        (
            f"Retrieval page, theme + words q='{WORDS}', this site",
            median_ms(lambda: client.get(retrieval, {"q": WORDS, "site": site.pk})),
        ),
        ("Retrieval page, theme only, all sites", median_ms(lambda: client.get(retrieval))),
        (
            f"Mirror-excerpt search, theme + words q='{WORDS}'",
            median_ms(lambda: client.get(mirror, {"theme": theme.pk, "q": WORDS})),
        ),
        (
            "Mirror-excerpt search, theme only",
            median_ms(lambda: client.get(mirror, {"theme": theme.pk})),
        ),
        (
            f"Mirror-excerpt search, words only q='{WORDS}'",
            median_ms(lambda: client.get(mirror, {"q": WORDS})),
        ),
        (
            "Mirror-excerpt search, theme + level 'strategic' + kind 'interview'",
            median_ms(
                lambda: client.get(
                    mirror, {"theme": theme.pk, "level": "strategic", "kind": "interview"}
                )
            ),
        ),
        (
            "Session page (40 mirror items, 30 attendees, a model)",
            median_ms(lambda: client.get(workshop.get_absolute_url())),
        ),
        (
            "Surfaces board (40 items)",
            median_ms(
                lambda: client.get(
                    reverse(
                        "workshops:workshop-board", kwargs={"code": site.code, "pk": workshop.pk}
                    )
                )
            ),
        ),
    ]
    lines = [
        "## Workshops",
        "",
        f"Run {datetime.datetime.now():%Y-%m-%d %H:%M} with `bench/bench_workshops.py` on "
        f"PostgreSQL {connection.pg_version // 10000}; Python {platform.python_version()}. "
        f"Median of {RUNS} runs after a warm-up, milliseconds, in-process Django test client.",
        "",
        f"Data: the themes benchmark's large project ({Source.objects.count():,} sources, "
        f"{Coding.objects.count():,} codings; `seed_large` took {seed_seconds:.0f} s in this "
        f"run). The search runs at site `{site.code}` ({site_codings:,} codings, "
        f"{theme_codings:,} of theme “{theme.name}”), first 50 results, as the lead.",
        "",
        "| Operation | Median (ms) |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {ms:.1f} |" for name, ms in results]
    lines.append("")
    section = "\n".join(lines)
    print(section)
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text()
    pattern = re.compile(r"## Workshops\n.*?(?=\n## |\Z)", re.S)
    if pattern.search(text):
        text = pattern.sub(section.rstrip("\n") + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


if __name__ == "__main__":
    main()
