import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from sites.models import ConsentRecord, Membership, Participant, ResearchPhase, Site

pytestmark = pytest.mark.django_db


def test_healthz_is_public_json(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["status"] == "ok" and data["database"] == "ok"
    assert "broker" in data


def _counts() -> dict:
    return {
        "sites": Site.objects.count(),
        "participants": Participant.objects.count(),
        "consent": ConsentRecord.objects.count(),
        "memberships": Membership.objects.count(),
        "users": get_user_model().objects.count(),
        "phases": ResearchPhase.objects.count(),
    }


def test_seed_demo_builds_the_study_and_is_idempotent(capsys):
    call_command("seed_demo")
    first = _counts()
    out = capsys.readouterr().out
    for persona in ("lead", "researcher", "facilitator", "viewer", "outsider"):
        assert persona in out
    assert first["sites"] == 5 and first["phases"] == 5
    for site in Site.objects.all():
        participants = list(site.participants.prefetch_related("consent_records"))
        assert 8 <= len(participants) <= 15
        keys = {p.consent.key for p in participants}
        assert {"full", "partial", "withdrawn", "none"} <= keys
        assert {p.level for p in participants} == {"operational", "strategic"}
    call_command("seed_demo", "--quiet")
    assert _counts() == first


def test_demo_personas_see_the_right_sites(client):
    from django.conf import settings

    call_command("seed_demo", "--quiet")
    expected = {
        "lead": 5,
        "researcher": 2,
        "facilitator": 1,
        "viewer": 1,
        "outsider": 1,
    }
    for username, count in expected.items():
        response = client.post(
            reverse("login"),
            {"username": username, "password": settings.DEMO_PASSWORD_DEFAULT},
        )
        assert response.status_code == 302, f"{username} could not log in"
        user = get_user_model().objects.get(username=username)
        assert Site.objects.visible_to(user).count() == count
        client.logout()
