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

from .factories import ThemeFactory


def withdraw(participant, scope=ConsentScope.PARTICIPATION):
    return ConsentRecordFactory(
        participant=participant,
        scope=scope,
        decision=ConsentDecision.WITHDRAWN,
        effective_date=datetime.date(2006, 3, 1),
    )


@pytest.fixture
def phases(db):
    return [
        ResearchPhaseFactory(
            number=1, start=datetime.date(2004, 1, 1), end=datetime.date(2004, 12, 31)
        ),
        ResearchPhaseFactory(
            number=2, start=datetime.date(2005, 1, 1), end=datetime.date(2005, 12, 31)
        ),
    ]


@pytest.fixture
def world(site_a, site_b, phases):
    """Site A: an interview with Helen (consented) and Wendy (consented, may be withdrawn);
    site B: one with Omar. Two themes."""
    helen = give_full_consent(ParticipantFactory(site=site_a, pseudonym="Helen"))
    wendy = give_full_consent(ParticipantFactory(site=site_a, pseudonym="Wendy"))
    omar = give_full_consent(ParticipantFactory(site=site_b, pseudonym="Omar"))
    source_a = make_source_with_turns(
        site=site_a,
        title="Interview with Helen and Wendy",
        date=datetime.date(2005, 3, 14),
        turns=[
            ("Helen", "We sit together in the same office now.", helen),
            ("Wendy", "Strictly we shouldn't, but I rang the school nurse.", wendy),
            ("Helen", "It is the child's trajectory that matters to us.", helen),
        ],
    )
    source_b = make_source_with_turns(
        site=site_b,
        title="Interview with Omar",
        date=datetime.date(2004, 6, 1),
        turns=[("Omar", "The referral form means something different to each of us.", omar)],
    )
    return {
        "helen": helen,
        "wendy": wendy,
        "omar": omar,
        "source_a": source_a,
        "source_b": source_b,
        "colocation": ThemeFactory(name="Co-location and co-working"),
        "rules": ThemeFactory(name="Rule-bending"),
    }
