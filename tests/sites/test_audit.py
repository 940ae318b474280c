"""The audit record in words: the project page, each site's page, filters, pages, CSV."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from sites import services
from sites.models import AuditEvent
from tests.factories import ProfessionFactory

pytestmark = pytest.mark.django_db

PROJECT = reverse("project-audit")


def listed(response) -> str:
    """The events table of an audit page ('' when it lists none): not the filter's options."""
    body = response.content.decode()
    return body.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in body else ""


def site_audit(code: str = "alpha") -> str:
    return reverse("sites:audit-list", args=[code])


def test_project_audit_page_is_for_project_leads_only(
    client_for, lead, site_lead, researcher, viewer, client
):
    assert client_for(lead).get(PROJECT).status_code == 200
    for user in (site_lead, researcher, viewer):
        response = client_for(user).get(PROJECT)
        assert response.status_code == 403
        assert "Only project leads" in response.text
    response = client.get(PROJECT)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_project_audit_page_answers_only_get(client_for, lead):
    assert client_for(lead).post(PROJECT).status_code == 405


def test_site_lead_still_reads_their_sites_page_in_words(
    client_for, site_lead, participant_a, site_b, outsider
):
    services.participant_update(
        participant=participant_a, actor=site_lead, job_title="Team manager"
    )
    response = client_for(site_lead).get(site_audit())
    assert response.status_code == 200
    assert "edited participant" in response.text
    assert f'href="{participant_a.get_absolute_url()}"' in response.text
    assert 'Job title:</span> <span class="audit-before">Practitioner</span>' in response.text
    assert "Team manager" in response.text
    assert "{&#x27;" not in response.text  # no raw dicts
    assert client_for(site_lead).get(site_audit("bravo")).status_code == 404
    assert client_for(outsider).get(site_audit()).status_code == 404


def test_site_page_leaves_out_other_sites_and_project_events(
    client_for, lead, site_lead, participant_a, participant_b
):
    services.participant_update(participant=participant_b, actor=lead, job_title="Bravo lead")
    AuditEvent.objects.create(verb="theme.update", object_type="themes.Theme", object_repr="X")
    body = listed(client_for(site_lead).get(site_audit()))
    assert "Bravo lead" not in body and "edited theme" not in body
    project = listed(client_for(lead).get(PROJECT))
    assert "Bravo lead" in project and "edited theme" in project


def test_consent_events_are_shown_in_words(client_for, site_lead, participant_a):
    services.consent_record(
        participant=participant_a,
        actor=site_lead,
        scopes=["participation", "quotation"],
        decision="withdrawn",
        note="By email",
    )
    body = listed(client_for(site_lead).get(site_audit()))
    assert "recorded consent withdrawn by" in body
    assert "Taking part and being recorded, Being quoted in outputs" in body
    assert "sitelead" in body


def make_events(participant, actor, n: int) -> None:
    for i in range(n):
        services.participant_update(participant=participant, actor=actor, job_title=f"Title {i}")


def test_audit_pages_paginate_with_a_constant_number_of_queries(
    client_for, lead, participant_a, django_assert_max_num_queries
):
    make_events(participant_a, lead, 60)
    client = client_for(lead)
    with django_assert_max_num_queries(14):
        first = client.get(PROJECT)
    assert "Events 1 to 50 of 60" in first.text and 'audit-after">Title 59<' in first.text
    assert 'audit-after">Title 9<' not in first.text
    with django_assert_max_num_queries(14):
        second = client.get(PROJECT, {"page": 2})
    assert "Events 51 to 60 of 60" in second.text and 'audit-after">Title 0<' in second.text


def test_filters_by_person_action_object_type_and_dates(client_for, lead, site_lead, participant_a):
    services.participant_update(participant=participant_a, actor=lead, job_title="By the lead")
    services.participant_update(participant=participant_a, actor=site_lead, notes="By site lead")
    services.participant_create(
        site=participant_a.site, actor=site_lead, pseudonym="Gail", profession=ProfessionFactory()
    )
    client = client_for(lead)
    by_person = listed(client.get(PROJECT, {"actor": site_lead.pk}))
    assert "By site lead" in by_person and "By the lead" not in by_person
    by_action = listed(client.get(PROJECT, {"verb": "participant.create"}))
    assert "Gail" in by_action and "By site lead" not in by_action
    by_type = listed(client.get(PROJECT, {"object_type": "sites.Participant"}))
    assert "Gail" in by_type and "By the lead" in by_type
    assert "No events match" in client.get(PROJECT, {"object_type": "themes.Theme"}).text
    today = timezone.localdate()
    in_range = listed(client.get(PROJECT, {"date_from": today, "date_to": today}))
    assert "Gail" in in_range
    tomorrow = today + datetime.timedelta(days=1)
    assert "No events match" in client.get(PROJECT, {"date_from": tomorrow}).text


def test_a_backwards_date_range_is_explained_and_shows_nothing(client_for, lead, participant_a):
    make_events(participant_a, lead, 1)
    today = timezone.localdate()
    response = client_for(lead).get(
        PROJECT, {"date_from": today, "date_to": today - datetime.timedelta(days=3)}
    )
    assert response.status_code == 200
    assert "is before the “from” date" in response.text and "Title 0" not in response.text


def test_csv_download_is_filtered_in_words_and_never_cached(
    client_for, lead, site_lead, participant_a
):
    services.participant_update(participant=participant_a, actor=lead, job_title="Lead's edit")
    services.participant_update(participant=participant_a, actor=site_lead, job_title="Mine")
    response = client_for(lead).get(PROJECT, {"actor": site_lead.pk, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["when (UTC)", "who", "action"]
    assert len(rows) == 2
    assert rows[1][1] == "sitelead" and rows[1][2] == "edited participant"
    assert rows[1][6] == "Job title: Lead's edit → Mine"
    assert rows[1][7].endswith(participant_a.get_absolute_url())


def test_site_csv_download_is_for_leads_only(client_for, site_lead, researcher, participant_a):
    make_events(participant_a, site_lead, 3)
    response = client_for(site_lead).get(site_audit(), {"format": "csv"})
    assert response["Cache-Control"] == "no-store"
    assert len(b"".join(response.streaming_content).decode().strip().splitlines()) == 4
    assert client_for(researcher).get(site_audit(), {"format": "csv"}).status_code == 403


def test_csv_streams_more_rows_than_one_chunk(lead, participant_a):
    from sites.audit import csv_rows

    make_events(participant_a, lead, 7)
    lines = list(csv_rows(AuditEvent.objects.select_related("actor", "site"), base_url="", chunk=3))
    assert len(lines) == 1 + 7
    assert "Title 6" in lines[1] and "Title 0" in lines[-1]
