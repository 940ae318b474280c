"""The cross-site report over the large benchmark project (`seed_large`: 20 bench sites plus
the demo's, ~2,000 sources, ~200,000 codings), as PDF, DOCX and XLSX: the whole
`build_report` a document job runs (database reads with consent applied, then the file).

    .venv/bin/python bench/bench_report.py            # DATABASE_URL defaults to dwr_reports_bench

Creates the database if missing, migrates, seeds the demo and the large project (idempotent:
seconds once built), ANALYZEs, then for each format runs a child process that builds the
report once to warm up and RUNS times measured (3 for a format slower than 30 s a run), and
prints the median, the peak RSS of that process (resource.getrusage) and the largest interval
between two progress calls. Target: ≤ 30 s a report, progress at least every 2 s. Prints
the figures; bench/RESULTS.md is left to the lead.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dwr_reports_bench")

from bench_themes import ensure_database  # noqa: E402

RUNS = 5
SLOW_RUNS = 3
SLOW = 30.0
TARGET = 30.0
FORMATS = ("pdf", "docx", "xlsx")


def child(fmt: str) -> None:
    """One format in this process: warm-up, then the measured runs; JSON on stdout."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from workshops.reports import ReportSelection, build_report

    lead = get_user_model().objects.get(username="lead")
    selection = ReportSelection(user_id=lead.pk)
    gaps: list[float] = []

    def run() -> tuple[float, object]:
        last = [time.monotonic()]

        def progress(step: str, percent: int) -> None:
            now = time.monotonic()
            gaps.append(now - last[0])
            last[0] = now

        started = time.monotonic()
        result = build_report(selection, fmt, progress)
        gaps.append(time.monotonic() - last[0])
        return time.monotonic() - started, result

    warm, result = run()
    runs = SLOW_RUNS if warm > SLOW else RUNS
    times = [run()[0] for _ in range(runs)]
    print(
        json.dumps(
            {
                "format": fmt,
                "runs": runs,
                "median": statistics.median(times),
                "times": times,
                "warm_up": warm,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "max_progress_gap": max(gaps),
                "pages": result.page_count,
                "bytes": len(result.content),
                "sites": len(result.site_ids),
                "quoted_participants": len(result.participant_ids),
            }
        )
    )


def prepare() -> str:
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from themes.demo import seed_large
    from themes.models import Coding

    call_command("migrate", verbosity=0)
    if not Coding.objects.filter(site__code="bench-01").exists():
        call_command("seed_demo", verbosity=0, quiet=True, force=True)
    started = time.monotonic()
    seed_large(stdout=open(os.devnull, "w"))  # noqa: SIM115
    seeded = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return f"{Coding.objects.count():,} codings; `seed_large` took {seeded:.0f} s in this run"


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    print(prepare())
    print(
        f"{'format':6} {'median':>8} {'runs':>4} {'peak RSS':>9} {'max gap':>8} {'pages':>6} size"
    )
    for fmt in FORMATS:
        out = subprocess.run(
            [sys.executable, __file__, "--child", fmt],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        flag = "" if r["median"] <= TARGET else f"  (over the {TARGET:.0f} s target)"
        print(
            f"{fmt:6} {r['median']:7.1f}s {r['runs']:>4} {r['peak_rss_mb']:7.0f}MB "
            f"{r['max_progress_gap']:7.2f}s {r['pages'] or '—':>6} {r['bytes'] / 1e6:.1f} MB"
            f"{flag}"
        )
        print(
            f"       runs: {', '.join(f'{t:.1f}' for t in r['times'])} s; "
            f"{r['sites']} sites, {r['quoted_participants']} participants quoted"
        )


if __name__ == "__main__":
    main()
