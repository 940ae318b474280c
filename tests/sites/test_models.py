import datetime

import pytest
from django.db import IntegrityError

from sites.models import (
    ConsentDecision,
    ConsentScope,
    Membership,
    Participant,
    ResearchPhase,
    Role,
    Site,
)
from tests.factories import (
    ConsentRecordFactory,
    ParticipantFactory,
    ResearchPhaseFactory,
    give_full_consent,
)

pytestmark = pytest.mark.django_db
WITHDRAWN_ON = datetime.date(2006, 1, 1)


def test_participant_without_records_has_no_consent(participant_a):
    assert participant_a.consent.key == "none"
    assert participant_a.consent.label == "No consent recorded"


def test_full_consent_needs_every_scope(participant_a):
    ConsentRecordFactory(participant=participant_a, scope=ConsentScope.PARTICIPATION)
    assert participant_a.consent.key == "partial"
    give_full_consent(participant_a)
    assert participant_a.consent.key == "full"
    assert not participant_a.consent.excludes_data


def test_latest_dated_decision_wins_whatever_order_it_was_entered(participant_a):
    give_full_consent(participant_a)
    ConsentRecordFactory(
        participant=participant_a,
        decision=ConsentDecision.WITHDRAWN,
        effective_date=datetime.date(2006, 3, 1),
    )
    # Entered later but dated earlier: does not override the withdrawal.
    ConsentRecordFactory(participant=participant_a, effective_date=datetime.date(2005, 6, 1))
    status = Participant.objects.get(pk=participant_a.pk).consent
    assert status.key == "withdrawn"
    assert status.excludes_data


def test_withdrawal_from_quotation_excludes_data_but_not_participation(participant_a):
    give_full_consent(participant_a)
    ConsentRecordFactory(
        participant=participant_a,
        scope=ConsentScope.QUOTATION,
        decision=ConsentDecision.WITHDRAWN,
        effective_date=datetime.date(2006, 1, 1),
    )
    assert participant_a.consent.label == "Withdrawn from quotation"
    assert participant_a.consent.excludes_data


def test_excluded_by_consent_query_matches_the_derived_status(site_a):
    kept = give_full_consent(ParticipantFactory(site=site_a))
    gone = give_full_consent(ParticipantFactory(site=site_a))
    ConsentRecordFactory(
        participant=gone, decision=ConsentDecision.WITHDRAWN, effective_date=WITHDRAWN_ON
    )
    back = give_full_consent(ParticipantFactory(site=site_a))
    ConsentRecordFactory(
        participant=back, decision=ConsentDecision.WITHDRAWN, effective_date=WITHDRAWN_ON
    )
    ConsentRecordFactory(participant=back, effective_date=datetime.date(2006, 2, 1))
    no_archive = give_full_consent(ParticipantFactory(site=site_a))
    ConsentRecordFactory(
        participant=no_archive,
        scope=ConsentScope.ARCHIVING,
        decision=ConsentDecision.WITHDRAWN,
        effective_date=datetime.date(2006, 1, 1),
    )
    excluded = set(Participant.objects.excluded_by_consent())
    assert excluded == {gone}
    assert kept not in excluded and back not in excluded and no_archive not in excluded


def test_pseudonym_is_unique_within_a_site_only(site_a, site_b):
    ParticipantFactory(site=site_a, pseudonym="Helen")
    ParticipantFactory(site=site_b, pseudonym="Helen")
    with pytest.raises(IntegrityError):
        ParticipantFactory(site=site_a, pseudonym="Helen")


def test_phase_follows_from_a_date():
    ResearchPhaseFactory(number=1, start=datetime.date(2004, 1, 1), end=datetime.date(2004, 12, 31))
    ResearchPhaseFactory(number=2, start=datetime.date(2005, 1, 1), end=datetime.date(2005, 8, 31))
    assert ResearchPhase.objects.for_date(datetime.date(2005, 3, 1)).number == 2
    assert ResearchPhase.objects.for_date(datetime.date(2003, 3, 1)) is None
    assert ResearchPhase.objects.for_date(None) is None


def test_project_wide_membership_must_be_a_lead(researcher):
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=researcher, site=None, role=Role.RESEARCHER)


def test_visible_sites_follow_membership(lead, researcher, outsider, site_a, site_b):
    assert set(Site.objects.visible_to(lead)) == {site_a, site_b}
    assert list(Site.objects.visible_to(researcher)) == [site_a]
    assert list(Site.objects.visible_to(outsider)) == [site_b]
