"""Shared set-up for the benchmarks: Django on a throwaway SQLite database (or DATABASE_URL)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dwr_project.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    tmp = tempfile.mkdtemp(prefix="dwr-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("DJANGO_PRIVATE_MEDIA_ROOT", f"{tmp}/private")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
