"""The Django admin never bypasses the services: audited models are read-only there, or saved
through the services (memberships), and no admin path can leave `Coding.participant` stale."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from fieldwork.models import Segment, Source
from sites.models import AuditEvent, ConsentRecord, Membership, Participant, Role
from tests.factories import UserFactory, give_full_consent, make_source_with_turns
from themes.models import Coding, Memo, Theme

pytestmark = pytest.mark.django_db

AUDITED = [Participant, ConsentRecord, Segment, Source, Coding, Theme, Memo]


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def test_no_admin_page_or_inline_can_change_an_audited_model(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    for model_admin in admin.site._registry.values():
        admins = [model_admin, *model_admin.get_inline_instances(request)]
        for each in admins:
            if each.model in AUDITED:
                assert not each.has_change_permission(request), each
                assert not each.has_delete_permission(request), each
                if each is model_admin:
                    assert not each.has_add_permission(request), each
                else:
                    assert not each.has_add_permission(request, None), each


def test_admin_post_to_a_participant_is_refused_and_changes_nothing(
    client_for, superuser, participant_a
):
    client = client_for(superuser)
    assert client.get(change_url(participant_a)).status_code == 200  # still readable
    response = client.post(
        change_url(participant_a),
        {"pseudonym": "Renamed", "site": participant_a.site_id, "level": "strategic"},
    )
    assert response.status_code == 403
    participant_a.refresh_from_db()
    assert participant_a.pseudonym == "Helen" and not AuditEvent.objects.exists()


def test_admin_cannot_add_consent_records_or_delete_participants(
    client_for, superuser, participant_a
):
    client = client_for(superuser)
    add = reverse("admin:sites_participant_add")
    assert client.post(add, {"pseudonym": "New"}).status_code == 403
    delete = reverse("admin:sites_participant_delete", args=[participant_a.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Participant.objects.filter(pk=participant_a.pk).exists()
    assert not ConsentRecord.objects.exists()


def test_admin_cannot_remap_a_segment_speaker_so_codings_never_go_stale(
    client_for, superuser, site_a, participant_a
):
    from tests.factories import ParticipantFactory
    from themes import services

    other = give_full_consent(ParticipantFactory(site=site_a, pseudonym="Other"))
    source = make_source_with_turns(
        site=site_a, turns=[("Helen", "Words Helen said in the office.", participant_a)]
    )
    theme = Theme.objects.create(name="Co-location")
    coding = services.coding_create(source=source, theme=theme, coder=superuser, start=0, end=5)
    segment = source.segments.get()
    client = client_for(superuser)
    response = client.post(
        change_url(source),
        {
            "title": source.title,
            "site": site_a.pk,
            "kind": source.kind,
            "segments-TOTAL_FORMS": "1",
            "segments-INITIAL_FORMS": "1",
            "segments-0-id": segment.pk,
            "segments-0-source": source.pk,
            "segments-0-participant": other.pk,
        },
    )
    assert response.status_code == 403
    assert Segment.objects.get(pk=segment.pk).participant == participant_a
    assert Coding.objects.get(pk=coding.pk).participant == participant_a
    assert client.post(change_url(coding), {"start": 1, "end": 3}).status_code == 403


def test_admin_membership_changes_go_through_the_service_and_are_audited(
    client_for, superuser, site_a
):
    client = client_for(superuser)
    user = UserFactory(username="newlead")
    response = client.post(
        reverse("admin:sites_membership_add"), {"user": user.pk, "site": "", "role": "lead"}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=user)
    assert membership.site is None and membership.role == Role.LEAD
    event = AuditEvent.objects.get(verb="membership.set")
    assert event.actor == superuser and event.changes["role"] == [None, "lead"]

    member = UserFactory(username="member")
    client.post(
        reverse("admin:sites_membership_add"),
        {"user": member.pk, "site": site_a.pk, "role": "viewer"},
    )
    site_membership = Membership.objects.get(user=member)
    response = client.post(change_url(site_membership), {"role": "researcher"})
    assert response.status_code == 302
    site_membership.refresh_from_db()
    assert site_membership.role == Role.RESEARCHER
    assert AuditEvent.objects.filter(verb="membership.set", site=site_a).count() == 2

    delete = reverse("admin:sites_membership_delete", args=[site_membership.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=site_membership.pk).exists()
    removed = AuditEvent.objects.get(verb="membership.remove")
    assert removed.actor == superuser and removed.site == site_a


def test_admin_refuses_a_project_role_other_than_lead_in_plain_words(client_for, superuser):
    user = UserFactory(username="someone")
    response = client_for(superuser).post(
        reverse("admin:sites_membership_add"), {"user": user.pk, "site": "", "role": "viewer"}
    )
    assert response.status_code == 200
    assert "Only a lead can be given access to every site." in response.text
    assert not Membership.objects.filter(user=user).exists()
    assert not AuditEvent.objects.exists()


def test_every_admin_list_and_read_only_page_still_opens(client_for, superuser, participant_a):
    from tests.themes.factories import CodingFactory, MemoFactory

    give_full_consent(participant_a)
    coding = CodingFactory(source__site=participant_a.site)
    MemoFactory(source=coding.source)
    client = client_for(superuser)
    for model in admin.site._registry:
        meta = model._meta
        listing = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        assert listing.status_code == 200, meta.label
        first = model._default_manager.first()
        if first is not None:
            assert client.get(change_url(first)).status_code == 200, meta.label
