import datetime

import pytest
from django.urls import reverse

from sites.models import AuditEvent, ConsentRecord, Membership, Participant, Role
from tests.factories import ProfessionFactory, UserFactory, give_full_consent

pytestmark = pytest.mark.django_db


def test_login_page_is_public_and_everything_else_needs_login(client):
    assert client.get(reverse("login")).status_code == 200
    response = client.get(reverse("sites:site-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("home")).status_code == 302


def test_home_lists_my_sites_and_participants_without_consent(
    client_for, researcher, site_a, site_b, participant_a
):
    response = client_for(researcher).get(reverse("home"))
    body = response.content.decode()
    assert site_a.name in body and site_b.name not in body
    assert "No consent recorded yet" in body and participant_a.pseudonym in body


def test_lead_sees_every_site_and_is_told_so(client_for, lead, site_a, site_b):
    body = client_for(lead).get(reverse("sites:site-list")).content.decode()
    assert site_a.name in body and site_b.name in body


def test_site_detail_shows_participants_with_consent_badges(client_for, researcher, participant_a):
    give_full_consent(participant_a)
    response = client_for(researcher).get(reverse("sites:site-detail", args=["alpha"]))
    assert b"Helen" in response.content and b"Full consent" in response.content


def test_site_detail_query_count_is_constant(
    client_for, researcher, site_a, django_assert_max_num_queries
):
    from tests.factories import ParticipantFactory

    for _ in range(3):
        give_full_consent(ParticipantFactory(site=site_a))
    client = client_for(researcher)
    with django_assert_max_num_queries(12):
        client.get(reverse("sites:site-detail", args=["alpha"]))
    for _ in range(12):
        give_full_consent(ParticipantFactory(site=site_a))
    with django_assert_max_num_queries(12):
        client.get(reverse("sites:site-detail", args=["alpha"]))


def test_outsider_gets_404_for_other_sites_page_and_participant(
    client_for, outsider, participant_a
):
    client = client_for(outsider)
    assert client.get(reverse("sites:site-detail", args=["alpha"])).status_code == 404
    url = reverse("sites:participant-detail", args=["alpha", participant_a.pk])
    response = client.get(url)
    assert response.status_code == 404
    assert b"Helen" not in response.content


def test_researcher_adds_a_participant(client_for, researcher, site_a):
    profession = ProfessionFactory()
    response = client_for(researcher).post(
        reverse("sites:participant-create", args=["alpha"]),
        {"pseudonym": "Gail", "profession": profession.pk, "level": "strategic"},
    )
    participant = Participant.objects.get(pseudonym="Gail")
    assert response.status_code == 302 and response["Location"] == participant.get_absolute_url()
    assert participant.site == site_a and participant.level == "strategic"


def test_invalid_participant_shows_errors_and_saves_nothing(client_for, researcher, participant_a):
    response = client_for(researcher).post(
        reverse("sites:participant-create", args=["alpha"]),
        {"pseudonym": "Helen", "profession": "", "level": "nonsense"},
    )
    assert response.status_code == 200
    assert b"This field is required" in response.content
    assert Participant.objects.count() == 1


def test_viewer_and_facilitator_cannot_add_participants(client_for, viewer, facilitator):
    for user in (viewer, facilitator):
        response = client_for(user).post(
            reverse("sites:participant-create", args=["alpha"]), {"pseudonym": "X"}
        )
        assert response.status_code == 403
    assert not Participant.objects.exists()


def test_edit_participant_records_the_change(client_for, researcher, participant_a):
    client_for(researcher).post(
        reverse("sites:participant-edit", args=["alpha", participant_a.pk]),
        {
            "pseudonym": "Helena",
            "profession": participant_a.profession_id,
            "level": "operational",
            "job_title": "Lead EP",
        },
    )
    participant_a.refresh_from_db()
    assert participant_a.pseudonym == "Helena"
    event = AuditEvent.objects.get(verb="participant.update")
    assert event.changes["pseudonym"] == ["Helen", "Helena"]


def test_withdrawal_asks_for_confirmation_then_records(client_for, site_lead, participant_a):
    give_full_consent(participant_a)
    client = client_for(site_lead)
    url = reverse("sites:consent-create", args=["alpha", participant_a.pk])
    data = {
        "scopes": ["participation", "quotation"],
        "decision": "withdrawn",
        "effective_date": "2006-02-01",
        "note": "Phoned the office",
    }
    before = ConsentRecord.objects.count()
    response = client.post(url, data)
    assert response.status_code == 200
    assert b"will be left out of" in response.content
    assert ConsentRecord.objects.count() == before  # nothing saved before confirming
    response = client.post(url, {**data, "confirmed": "True"})
    assert response.status_code == 302
    participant_a.refresh_from_db()
    assert participant_a.consent.key == "withdrawn"
    assert AuditEvent.objects.filter(verb="consent.withdrawn").exists()


def test_giving_consent_needs_no_confirmation(client_for, researcher, participant_a):
    response = client_for(researcher).post(
        reverse("sites:consent-create", args=["alpha", participant_a.pk]),
        {"scopes": ["participation"], "decision": "given", "effective_date": "2005-02-01"},
    )
    assert response.status_code == 302
    assert participant_a.consent_records.count() == 1


def test_consent_form_rejects_future_dates_and_no_scope(client_for, researcher, participant_a):
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    response = client_for(researcher).post(
        reverse("sites:consent-create", args=["alpha", participant_a.pk]),
        {"decision": "given", "effective_date": future},
    )
    assert response.status_code == 200
    assert b"cannot be dated in the future" in response.content
    assert b"Choose at least one" in response.content
    assert not participant_a.consent_records.exists()


def test_site_lead_manages_members(client_for, site_lead, site_a):
    person = UserFactory(username="newcomer")
    client = client_for(site_lead)
    response = client.post(
        reverse("sites:membership-list", args=["alpha"]), {"user": person.pk, "role": "viewer"}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=person, site=site_a)
    assert membership.role == Role.VIEWER
    client.post(reverse("sites:membership-remove", args=["alpha", membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    verbs = list(AuditEvent.objects.values_list("verb", flat=True))
    assert "membership.set" in verbs and "membership.remove" in verbs


def test_researcher_cannot_manage_members(client_for, researcher):
    response = client_for(researcher).get(reverse("sites:membership-list", args=["alpha"]))
    assert response.status_code == 403


def test_membership_remove_is_post_only(client_for, site_lead, researcher, site_a):
    membership = Membership.objects.get(user=researcher, site=site_a)
    response = client_for(site_lead).get(
        reverse("sites:membership-remove", args=["alpha", membership.pk])
    )
    assert response.status_code == 405


def test_audit_record_is_for_leads(client_for, site_lead, researcher, participant_a):
    url = reverse("sites:audit-list", args=["alpha"])
    assert client_for(site_lead).get(url).status_code == 200
    assert client_for(researcher).get(url).status_code == 403


def test_navigation_shows_admin_only_to_staff(client_for, lead, researcher):
    assert b"/admin/" in client_for(lead).get(reverse("home")).content
    assert b"/admin/" not in client_for(researcher).get(reverse("home")).content


def test_login_is_throttled_after_repeated_failures(client, researcher):
    url = reverse("login")
    for _ in range(5):
        client.post(url, {"username": "researcher", "password": "wrong"})
    response = client.post(url, {"username": "researcher", "password": "correct-horse-battery"})
    assert response.status_code == 429
    assert b"Too many failed log-in attempts" in response.content


def test_password_reset_page_is_public(client):
    response = client.get(reverse("password_reset"))
    assert response.status_code == 200 and b"Reset your password" in response.content


def test_pages_are_in_british_english_with_a_skip_link(client_for, researcher):
    body = client_for(researcher).get(reverse("home")).content.decode()
    assert '<html lang="en-GB">' in body
    assert 'href="#main"' in body and body.count("<h1") == 1


def _fail_five_times(client, forwarded_for: str) -> None:
    for _ in range(5):
        client.post(
            reverse("login"),
            {"username": "researcher", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )


def test_behind_a_trusted_proxy_one_clients_failures_do_not_lock_out_another(
    client, researcher, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    _fail_five_times(client, "198.51.100.7")
    locked = client.post(
        reverse("login"),
        {"username": "researcher", "password": "correct-horse-battery"},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert locked.status_code == 429
    other = client.post(
        reverse("login"),
        {"username": "researcher", "password": "correct-horse-battery"},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert other.status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_header_does_not_escape_the_lock(
    client, researcher, settings
):
    settings.TRUSTED_PROXY_COUNT = 0
    _fail_five_times(client, "198.51.100.7")
    response = client.post(
        reverse("login"),
        {"username": "researcher", "password": "correct-horse-battery"},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert response.status_code == 429


def test_a_client_cannot_pick_its_address_by_prepending_to_the_forwarded_header(
    client, researcher, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    _fail_five_times(client, "198.51.100.7")
    # The proxy appends the real address; what the client wrote stands to its left.
    response = client.post(
        reverse("login"),
        {"username": "researcher", "password": "correct-horse-battery"},
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7",
    )
    assert response.status_code == 429
