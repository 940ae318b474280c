"""The workshop pack of a demo session with 20 mirror items, as PDF and as DOCX, median of 5
(after one warm-up run). Targets: PDF ≤ 3 s, DOCX ≤ 1 s. Each run is the whole build the
worker does: `build_pack` reads the database (consent applied) and renders the file.

    .venv/bin/python bench/bench_packs.py          # a throwaway SQLite database (or DATABASE_URL)

Seeds the demo (`seed_demo`), takes Northbrook's session 2 (held, with a previous session,
its summary, the site's model and contradictions) and tops its mirror items up to 20 (coded
excerpts of consenting speakers, then statistics), each on the agenda.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import setup_django  # noqa: E402

RUNS = 5
ITEMS = 20


def prepare():
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError
    from django.core.management import call_command

    from themes.models import Coding
    from workshops import services
    from workshops.models import MirrorItem, Workshop

    call_command("seed_demo", quiet=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    facilitator = get_user_model().objects.get(username="facilitator")
    workshop = Workshop.objects.get(site__code="northbrook", number=2)
    for coding in Coding.objects.filter(site=workshop.site).order_by("pk"):
        if workshop.mirror_items.count() >= ITEMS:
            break
        try:
            services.mirror_item_add_excerpt(workshop=workshop, actor=facilitator, coding=coding)
        except ValidationError:
            continue  # a speaker who withdrew, or an excerpt already added
    n = 0
    while workshop.mirror_items.count() < ITEMS:
        n += 1
        services.mirror_item_add_typed(
            workshop=workshop,
            actor=facilitator,
            kind="statistic",
            title=f"Figure {n}",
            text=f"{n * 3} referrals in week {n} were passed on to another service.",
            provenance_note="Team referral log (counted by the research team)",
        )
    items = list(MirrorItem.objects.filter(workshop=workshop).order_by("pk"))
    activities = list(workshop.activities.order_by("order"))
    for n, item in enumerate(items):
        if activities:
            activities[n % len(activities)].first_stimulus.add(item)
    return workshop, len(items)


def main() -> int:
    setup_django()
    from workshops.packs import build_pack

    workshop, count = prepare()
    print(f"Northbrook session {workshop.number}: {count} mirror items")
    results = {}
    for fmt in ("pdf", "docx"):
        times = []
        for run in range(RUNS + 1):
            started = time.perf_counter()
            data, pages = build_pack(workshop, fmt)
            elapsed = time.perf_counter() - started
            if run:  # the first run warms the caches (templates, fonts)
                times.append(elapsed)
        results[fmt] = statistics.median(times)
        size = f", {pages} pages" if pages else ""
        print(
            f"{fmt.upper()}: median {results[fmt]:.2f} s of {RUNS} "
            f"(min {min(times):.2f}, max {max(times):.2f}); {len(data) // 1024} KiB{size}"
        )
    ok = results["pdf"] <= 3 and results["docx"] <= 1
    print("Targets (PDF ≤ 3 s, DOCX ≤ 1 s):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
