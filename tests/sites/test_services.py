import datetime

import pytest
from django.core.exceptions import ValidationError

from sites import services
from sites.access import ApplicationError
from sites.models import AuditEvent, ConsentDecision, ConsentScope, Membership, Role
from tests.factories import ProfessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_participant_create_is_audited(site_a, researcher):
    participant = services.participant_create(
        site=site_a, actor=researcher, pseudonym="Gail", profession=ProfessionFactory()
    )
    event = AuditEvent.objects.get(verb="participant.create")
    assert event.actor == researcher and event.site == site_a
    assert event.changes["pseudonym"] == "Gail"
    assert participant.pk


def test_participant_create_rejects_duplicate_pseudonym_and_saves_nothing(site_a, researcher):
    services.participant_create(
        site=site_a, actor=researcher, pseudonym="Gail", profession=ProfessionFactory()
    )
    with pytest.raises(ValidationError):
        services.participant_create(
            site=site_a, actor=researcher, pseudonym="Gail", profession=ProfessionFactory()
        )
    assert AuditEvent.objects.filter(verb="participant.create").count() == 1


def test_consent_record_adds_history_and_audit(participant_a, researcher):
    records = services.consent_record(
        participant=participant_a,
        actor=researcher,
        scopes=[ConsentScope.PARTICIPATION, ConsentScope.QUOTATION],
        decision=ConsentDecision.WITHDRAWN,
        effective_date=datetime.date(2006, 1, 5),
        note="By e-mail",
    )
    assert len(records) == 2
    assert all(r.recorded_by == researcher for r in records)
    assert participant_a.consent.key == "withdrawn"
    event = AuditEvent.objects.get(verb="consent.withdrawn")
    assert event.changes["scopes"] == ["participation", "quotation"]


def test_consent_cannot_be_dated_in_the_future(participant_a, researcher):
    with pytest.raises(ApplicationError, match="future"):
        services.consent_record(
            participant=participant_a,
            actor=researcher,
            scopes=[ConsentScope.PARTICIPATION],
            decision=ConsentDecision.GIVEN,
            effective_date=datetime.date.today() + datetime.timedelta(days=2),
        )
    assert not participant_a.consent_records.exists()


def test_membership_set_creates_then_changes_role(site_a, site_lead):
    person = UserFactory()
    services.membership_set(user=person, site=site_a, role=Role.VIEWER, actor=site_lead)
    services.membership_set(user=person, site=site_a, role=Role.RESEARCHER, actor=site_lead)
    assert Membership.objects.get(user=person, site=site_a).role == Role.RESEARCHER
    assert AuditEvent.objects.filter(verb="membership.set").count() == 2


def test_only_lead_cannot_remove_themselves(site_a, site_lead):
    membership = Membership.objects.get(user=site_lead, site=site_a)
    with pytest.raises(ApplicationError, match="only lead"):
        services.membership_remove(membership=membership, actor=site_lead)
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.fixture
def server_clock_in():
    """Run the server's own clock (the process time zone, what `datetime.date.today()` reads)
    in another zone than the site's, as on a host or container left on UTC."""
    import os
    import time

    original = os.environ.get("TZ")

    def set_zone(zone: str) -> None:
        os.environ["TZ"] = zone
        time.tzset()

    yield set_zone
    if original is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = original
    time.tzset()


@pytest.mark.parametrize("server_zone", ["Etc/GMT+12", "Etc/GMT-14"])
def test_consent_today_and_tomorrow_follow_the_sites_calendar_not_the_servers(
    participant_a, researcher, server_clock_in, server_zone
):
    from django.utils import timezone

    server_clock_in(server_zone)  # 12 hours behind, or 14 ahead of, UTC
    today = timezone.localdate()  # Europe/London, the site's
    services.consent_record(
        participant=participant_a,
        actor=researcher,
        scopes=[ConsentScope.PARTICIPATION],
        decision=ConsentDecision.GIVEN,
        effective_date=today,
    )
    with pytest.raises(ApplicationError):
        services.consent_record(
            participant=participant_a,
            actor=researcher,
            scopes=[ConsentScope.PARTICIPATION],
            decision=ConsentDecision.GIVEN,
            effective_date=today + datetime.timedelta(days=1),
        )
    assert participant_a.consent_records.get().effective_date == today
