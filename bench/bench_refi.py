"""REFI-QDA export and import of the large benchmark project's biggest site (about 100 sources
and 10,000 codings), median of 5. Targets: export ≤ 5 s, import ≤ 10 s.

    .venv/bin/python bench/bench_refi.py          # BENCH_DATABASE_URL, default dwr_bench

Uses the database of the themes benchmark (built by `seed_large` on first use). Each import
lands in a fresh site inside a transaction that is rolled back, so runs do not pile up.
"""

from __future__ import annotations

import os
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
RUNS = 5


class Rollback(Exception):
    pass


def main() -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.db.models import Count

    from fieldwork.models import Source
    from sites.models import Site
    from themes.models import Coding
    from themes.refi.export import project_export
    from themes.refi.importer import project_import

    call_command("migrate", verbosity=0)
    if not Source.objects.filter(site__code__startswith="bench-").exists():
        call_command("seed_large")
    biggest = Coding.objects.values("site__code").annotate(n=Count("pk")).order_by("-n").first()
    code = biggest["site__code"]
    sources = Source.objects.filter(site__code=code).count()
    print(f"Site {code}: {sources} sources, {biggest['n']} codings")

    export_times, import_times = [], []
    result = None
    for run in range(RUNS + 1):
        started = time.perf_counter()
        result = project_export(site_codes=[code])
        elapsed = time.perf_counter() - started
        if run:
            export_times.append(elapsed)
    print(f"export: {result.summary()}, {len(result.data) / 1024 / 1024:.1f} MB")
    for run in range(RUNS + 1):
        started = time.perf_counter()
        try:
            with transaction.atomic():
                site = Site.objects.create(code=f"refi-bench-{run}", name="x", local_authority="x")
                report = project_import(
                    site=site, actor=None, data=result.data, filename="bench.qdpx"
                )
                elapsed = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
        if run:
            import_times.append(elapsed)
    print(f"import: {len(report.sources)} sources, {report.codings} codings")
    export_median, import_median = statistics.median(export_times), statistics.median(import_times)
    print(
        f"export median {export_median:.2f} s (runs {', '.join(f'{t:.2f}' for t in export_times)})"
        f" — target ≤ 5 s\nimport median {import_median:.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in import_times)}) — target ≤ 10 s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
