from __future__ import annotations

import datetime

import pytest

from sites.models import ConsentDecision, ConsentScope
from tests.factories import (
    ConsentRecordFactory,
    ParticipantFactory,
    ResearchPhaseFactory,
    give_full_consent,
    make_source_with_turns,
)
from tests.themes.factories import CodingFactory, ThemeFactory
from workshops import services


def decide(participant, scope, decision=ConsentDecision.WITHDRAWN, day=datetime.date(2006, 6, 1)):
    return ConsentRecordFactory(
        participant=participant, scope=scope, decision=decision, effective_date=day
    )


@pytest.fixture
def phases(db):
    return [
        ResearchPhaseFactory(
            number=1, start=datetime.date(2005, 1, 1), end=datetime.date(2005, 12, 31)
        ),
        ResearchPhaseFactory(
            number=2, start=datetime.date(2006, 1, 1), end=datetime.date(2006, 12, 31)
        ),
    ]


@pytest.fixture
def world(site_a, site_b, facilitator, phases):
    """Site A: Helen, Wendy (full consent) and Nadia (declined being shown to colleagues),
    an interview with all three coded with one theme; a series from the template. Site B:
    Omar with a coded interview."""
    helen = give_full_consent(ParticipantFactory(site=site_a, pseudonym="Helen"))
    wendy = give_full_consent(ParticipantFactory(site=site_a, pseudonym="Wendy"))
    nadia = ParticipantFactory(site=site_a, pseudonym="Nadia")
    for scope in (ConsentScope.PARTICIPATION, ConsentScope.QUOTATION):
        decide(nadia, scope, ConsentDecision.GIVEN, datetime.date(2005, 1, 1))
    decide(nadia, ConsentScope.WORKSHOP, ConsentDecision.DECLINED, datetime.date(2005, 1, 1))
    omar = give_full_consent(ParticipantFactory(site=site_b, pseudonym="Omar"))
    source = make_source_with_turns(
        site=site_a,
        title="Interview with the team",
        date=datetime.date(2005, 3, 14),
        turns=[
            ("Helen", "We sit together in the same office now.", helen),
            ("Wendy", "Strictly we shouldn't, but I rang the school nurse.", wendy),
            ("Nadia", "Nobody knows who holds the case any more.", nadia),
        ],
    )
    source_b = make_source_with_turns(
        site=site_b,
        title="Interview with Omar",
        date=datetime.date(2005, 6, 1),
        turns=[("Omar", "The waiting list is the real rule here.", omar)],
    )
    theme = ThemeFactory(name="Co-location and co-working")
    segments = list(source.segments.order_by("order"))
    codings = [
        CodingFactory(source=source, theme=theme, start=s.start, end=s.end) for s in segments
    ]
    coding_b = CodingFactory(source=source_b, theme=theme, start=0, end=20)
    series = services.series_create(
        site=site_a, actor=facilitator, title="DWR at Alpha", facilitators=[facilitator]
    )
    workshop = series.sessions.get(number=1)
    return {
        "helen": helen,
        "wendy": wendy,
        "nadia": nadia,
        "omar": omar,
        "source": source,
        "theme": theme,
        "codings": codings,
        "coding_b": coding_b,
        "series": series,
        "workshop": workshop,
    }


@pytest.fixture
def private_media(settings, tmp_path):
    """Uploaded originals go to a throwaway directory."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }
    return tmp_path / "private"
