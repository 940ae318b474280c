"""Search latency, median of 5 per query, as the lead persona.

Run: `.venv/bin/python bench/bench_search.py` — on a throwaway SQLite database loaded with
seed_demo; or with DATABASE_URL pointing at an existing database (e.g. the large benchmark
project built by bench_themes.py), which is searched as it is when it already has sources."""

from __future__ import annotations

import os
import statistics
import time

from _setup import setup_django

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from fieldwork.models import Segment  # noqa: E402
from fieldwork.search import search_segments  # noqa: E402

QUERIES = ["referral", '"duty desk"', "protocol -meeting", "expertise OR thresholds", "ring"]


def main() -> None:
    if not Segment.objects.exists():
        call_command("seed_demo", quiet=True, force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    from django.contrib.auth import get_user_model

    lead = get_user_model().objects.get(username="lead")
    print(f"{connection.vendor}: {Segment.objects.count()} segments")
    for query in QUERIES:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            results = search_segments(user=lead, query=query)
            times.append((time.perf_counter() - start) * 1000)
        print(f"{query:<28} {results.total:5} hits  median {statistics.median(times):6.1f} ms")


if __name__ == "__main__":
    main()
