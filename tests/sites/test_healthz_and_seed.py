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
    call_command("seed_demo", "--force")
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
    call_command("seed_demo", "--quiet", "--force")
    assert _counts() == first


def test_demo_personas_see_the_right_sites(client):
    from django.conf import settings

    call_command("seed_demo", "--quiet", "--force")
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


def test_seed_demo_refuses_to_run_with_debug_off_unless_forced(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1.*--force"):
        call_command("seed_demo", "--quiet")
    assert _counts()["sites"] == 0 and _counts()["users"] == 0
    settings.DEBUG = True
    call_command("seed_demo", "--quiet")
    assert _counts()["sites"] == 5


def test_seed_demo_never_touches_an_account_it_did_not_create(capsys):
    from django.conf import settings

    from tests.factories import PASSWORD, UserFactory

    own = UserFactory(username="lead", first_name="Real", is_staff=False)
    call_command("seed_demo", "--force")
    own.refresh_from_db()
    assert own.check_password(PASSWORD)
    assert not own.check_password(settings.DEMO_PASSWORD_DEFAULT)
    assert (own.first_name, own.is_staff, own.is_superuser) == ("Real", False, False)
    assert not Membership.objects.filter(user=own).exists()
    out = capsys.readouterr().out
    assert "lead         already existed and was not made by seed_demo" in out
    # The accounts it made itself follow DEMO_PASSWORD when it changes.
    researcher = get_user_model().objects.get(username="researcher")
    researcher.set_password("something-else-2026")
    researcher.save()
    call_command("seed_demo", "--force", "--quiet")
    researcher.refresh_from_db()
    assert researcher.check_password(settings.DEMO_PASSWORD_DEFAULT)
