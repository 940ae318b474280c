"""Run every benchmark: `make bench` (or `.venv/bin/python bench/run_all.py`).

Import and search run on a throwaway SQLite database unless DATABASE_URL is set; the themes
benchmark needs PostgreSQL at large scale and uses BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/dwr_bench), building the data on first use.
Each script prints its medians; bench_themes also rewrites its section of RESULTS.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(script: str, env: dict[str, str] | None = None) -> int:
    print(f"\n== {script}", flush=True)
    return subprocess.call([sys.executable, str(HERE / script)], env={**os.environ, **(env or {})})


def main() -> int:
    failures = 0
    failures += run("bench_import.py") != 0
    failures += run("bench_search.py") != 0
    themes_db = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dwr_bench")
    failures += run("bench_themes.py", {"DATABASE_URL": themes_db}) != 0
    failures += run("bench_workshops.py", {"DATABASE_URL": themes_db}) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
