"""Large theme exports made as document jobs, the whole worker run (claim, gather the excerpts
with consent applied, write the file, store it, finish), median of 5 after a warm-up:
CSV, XLSX and DOCX of the theme with the most coded passages on the large benchmark data set,
as a project lead (no cap: every passage).

    .venv/bin/python bench/bench_documents.py      # BENCH_DATABASE_URL, default dwr_bench

Uses the database of the themes benchmark (built by `seed_large` on first use). Also prints
the longest gap between two progress updates and the peak RSS of this process.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dwr_bench"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dwr_project.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_PRIVATE_MEDIA_ROOT", "/tmp/dwr-bench-private")
os.environ["CELERY_BROKER_URL"] = ""
RUNS = 5


def main() -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db.models import Count

    from fieldwork.models import Source
    from sites.models import Membership, Role
    from themes import documents
    from themes.models import Coding, DocumentJob, Theme

    call_command("migrate", verbosity=0)
    if not Source.objects.filter(site__code__startswith="bench-").exists():
        call_command("seed_large")
    lead, _ = get_user_model().objects.get_or_create(username="bench-documents-lead")
    Membership.objects.get_or_create(user=lead, site=None, defaults={"role": Role.LEAD})
    top = Coding.objects.values("theme").annotate(n=Count("pk")).order_by("-n").first()
    theme = Theme.objects.get(pk=top["theme"])
    print(f"Theme “{theme.name}”: {top['n']:,} codings")

    gaps: list[float] = []
    calls: list[float] = []  # when the progress callback ran, in the current run
    original = documents._Reporter.__call__

    def timed_progress(self, step, percent):
        calls.append(time.monotonic())
        return original(self, step, percent)

    documents._Reporter.__call__ = timed_progress  # type: ignore[method-assign]
    print("| format | median (s) | runs (s) | size | CSV lines |")
    print("|---|---:|---|---:|---:|")
    for fmt in ("csv", "xlsx", "docx"):
        times = []
        job = None
        for run in range(RUNS + 1):
            # No broker here: the task runs eagerly as the request commits, the very run a
            # worker does.
            calls.clear()
            calls.append(time.monotonic())
            started = time.perf_counter()
            job = documents.document_request(
                user=lead,
                kind="excerpts",
                params={"theme": theme.pk, "fmt": fmt, "query": ""},
                title=f"bench {fmt}",
            )
            elapsed = time.perf_counter() - started
            calls.append(time.monotonic())
            gaps.extend(b - a for a, b in zip(calls, calls[1:], strict=False))
            job.refresh_from_db()
            assert job.status == "succeeded", job.error
            if run:
                times.append(elapsed)
        assert job is not None
        lines = "—"
        if fmt == "csv":
            with job.open_file() as handle:
                newlines = handle.read().count(b"\n")
            lines = f"{newlines - 1:,}"
        print(
            f"| {fmt.upper()} | {statistics.median(times):.2f} | "
            f"{', '.join(f'{t:.2f}' for t in times)} | {job.size / 1024 / 1024:.1f} MB | {lines} |"
        )
        for old in DocumentJob.objects.filter(created_by=lead):
            documents.document_delete(job=old, actor=lead)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nLongest gap between progress updates: {max(gaps, default=0):.2f} s; "
        f"peak RSS {peak:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
