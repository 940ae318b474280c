from __future__ import annotations

import pytest
from django.core.management import call_command

from sites.models import AuditEvent, Site
from themes.models import Coding
from workshops import selectors
from workshops.models import (
    ActivitySystemModel,
    Contradiction,
    Experiment,
    TimeLayer,
    WorkshopSeries,
    WorkshopStatus,
)

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_series_everywhere_and_a_worked_example_at_northbrook():
    call_command("seed_demo", "--quiet")
    assert WorkshopSeries.objects.count() == Site.objects.count() == 5
    series = WorkshopSeries.objects.get(site__code="northbrook")
    one, two = series.sessions.get(number=1), series.sessions.get(number=2)
    assert one.status == WorkshopStatus.WRITTEN_UP and two.status == WorkshopStatus.HELD
    assert one.next_summary.startswith("Summary of session 1")
    page = selectors.session_page(workshop=one)
    assert len(page.items) >= 4
    revoked = [v for v in page.items if v.revoked]
    assert len(revoked) == 1 and "withdrew consent" in revoked[0].revoked_reason
    assert AuditEvent.objects.filter(verb="mirror_item.revoke").exists()
    assert two.mirror_items.count() == 2
    model = ActivitySystemModel.objects.get(site=series.site, layer=TimeLayer.PRESENT, built_in=one)
    assert model.entries.count() == 7
    assert model.entries.filter(evidence_mirror_items__isnull=False).exists()
    levels = set(Contradiction.objects.filter(site=series.site).values_list("level", flat=True))
    assert levels == {"primary", "secondary", "tertiary", "quaternary"}
    assert Experiment.objects.filter(site=series.site).count() == 2
    recording = selectors.recording_view(workshop=one)
    assert recording.source.kind == "workshop"
    assert {m.action for m in recording.timeline} >= {"questioning", "analysing", "modelling"}
    assert any(t.item for t in recording.turns)
    assert Coding.objects.filter(source=one.recording).count() >= 5
    call_command("seed_demo", "--quiet")
    assert WorkshopSeries.objects.count() == 5
