"""Personas shared by every test: `lead` (project-wide), `researcher` and `facilitator` and
`viewer` at site A, `outsider` (researcher at site B only), and `anonymous`.

Use `client_for(persona)` to get a logged-in test client.
"""

from __future__ import annotations

import pytest
from django.test import Client

from sites.models import Membership, Role
from tests.factories import MembershipFactory, ParticipantFactory, SiteFactory, UserFactory


@pytest.fixture
def site_a(db):
    return SiteFactory(code="alpha", name="Alpha Team")


@pytest.fixture
def site_b(db):
    return SiteFactory(code="bravo", name="Bravo Team")


@pytest.fixture
def lead(db):
    user = UserFactory(username="lead", is_staff=True)
    Membership.objects.create(user=user, site=None, role=Role.LEAD)
    return user


@pytest.fixture
def site_lead(site_a):
    user = UserFactory(username="sitelead")
    MembershipFactory(user=user, site=site_a, role=Role.LEAD)
    return user


@pytest.fixture
def researcher(site_a):
    user = UserFactory(username="researcher")
    MembershipFactory(user=user, site=site_a, role=Role.RESEARCHER)
    return user


@pytest.fixture
def facilitator(site_a):
    user = UserFactory(username="facilitator")
    MembershipFactory(user=user, site=site_a, role=Role.FACILITATOR)
    return user


@pytest.fixture
def viewer(site_a):
    user = UserFactory(username="viewer")
    MembershipFactory(user=user, site=site_a, role=Role.VIEWER)
    return user


@pytest.fixture
def outsider(site_b):
    user = UserFactory(username="outsider")
    MembershipFactory(user=user, site=site_b, role=Role.RESEARCHER)
    return user


@pytest.fixture
def participant_a(site_a):
    return ParticipantFactory(site=site_a, pseudonym="Helen")


@pytest.fixture
def participant_b(site_b):
    return ParticipantFactory(site=site_b, pseudonym="Omar")


@pytest.fixture
def client_for():
    def make(user) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def celery_eager(request):
    """Tasks run in-process in every test, whatever CELERY_BROKER_URL says, except in tests
    marked `celery_worker`, which send them through the real broker to a real worker."""
    from dwr_project.celery import app

    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
