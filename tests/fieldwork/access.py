"""Builders for the access matrix (tests/test_access_matrix.py): fieldwork objects of a site."""

from __future__ import annotations

from fieldwork.models import ImportJob, ImportStatus, Replacement, SourceKind
from tests import access_registry as registry


def _import_job(site) -> ImportJob:
    return ImportJob.objects.create(
        site=site,
        kind=SourceKind.INTERVIEW,
        filename="x.txt",
        status=ImportStatus.FAILED,
        error="Test job.",
    )


registry.register("fieldwork.ImportJob", _import_job)
registry.register(
    "fieldwork.Replacement",
    lambda site: Replacement.objects.create(site=site, original="Real Name", pseudonym="Alias"),
)
registry.PK_MODEL.update(
    {
        "fieldwork:import-detail": "fieldwork.ImportJob",
        "fieldwork:import-retry": "fieldwork.ImportJob",
        "fieldwork:import-original": "fieldwork.ImportJob",
        "fieldwork:import-purge": "fieldwork.ImportJob",
        "fieldwork:observation-autosave": "fieldwork.Source",
        "fieldwork:transcript-upload": "fieldwork.Source",
    }
)
