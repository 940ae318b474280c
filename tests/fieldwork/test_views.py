from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from fieldwork import services
from fieldwork.models import ImportJob, ImportStatus, Observation, Source, SourceKind
from sites.models import ConsentDecision, ConsentScope
from tests.factories import (
    ConsentRecordFactory,
    ParticipantFactory,
    SourceFactory,
    give_full_consent,
)

from .helpers import TURNS, txt_transcript, upload


def imported(site, user, turns=TURNS, name="t.txt"):
    return services.import_file(site=site, actor=user, name=name, data=txt_transcript(turns))


def test_fieldwork_index_redirects_a_one_site_member_to_their_site(client_for, researcher):
    response = client_for(researcher).get(reverse("fieldwork:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("fieldwork:site-fieldwork", args=["alpha"])


def test_fieldwork_index_lists_every_site_for_the_lead(client_for, lead, site_a, site_b):
    response = client_for(lead).get(reverse("fieldwork:index"))
    assert response.status_code == 200
    assert "Alpha Team" in response.text and "Bravo Team" in response.text


def test_empty_site_list_says_how_to_start(client_for, researcher):
    response = client_for(researcher).get(reverse("fieldwork:site-fieldwork", args=["alpha"]))
    assert "No fieldwork has been recorded" in response.text
    assert reverse("fieldwork:observation-create", args=["alpha"]) in response.text


def test_site_list_filters_by_kind_and_participant(client_for, researcher, site_a, participant_a):
    imported(site_a, researcher)
    SourceFactory(site=site_a, kind=SourceKind.DOCUMENT, title="Referral policy")
    client = client_for(researcher)
    url = reverse("fieldwork:site-fieldwork", args=["alpha"])
    assert "Referral policy" not in client.get(url, {"kind": "interview"}).text
    response = client.get(url, {"participant": participant_a.pk})
    assert "t</a>" in response.text and "Referral policy" not in response.text
    assert "No sources match" in client.get(url, {"date_from": "2030-01-01"}).text


def test_site_list_runs_a_constant_number_of_queries(
    client_for, researcher, site_a, django_assert_max_num_queries
):
    client = client_for(researcher)
    url = reverse("fieldwork:site-fieldwork", args=["alpha"])
    for i in range(3):
        imported(site_a, researcher, name=f"a{i}.txt")
    with django_assert_max_num_queries(14) as small:
        client.get(url)
    for i in range(15):
        imported(site_a, researcher, name=f"b{i}.txt")
        services.observation_create(
            site=site_a, actor=researcher, title=f"o{i}", date=None, notes="Notes."
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_reading_view_shows_turns_with_anchors_offsets_and_consent(
    client_for, researcher, site_a, participant_a
):
    give_full_consent(participant_a)
    source = imported(site_a, researcher).source
    response = client_for(researcher).get(source.get_absolute_url())
    assert response.status_code == 200
    turn = source.segments.get(order=1)
    assert f'id="turn-1" class="turn" data-start="{turn.start}" data-end="{turn.end}"' in (
        response.text
    )
    assert f'<div class="turn-text">{TURNS[1][1]}</div>' in response.text
    assert "Full consent" in response.text
    assert "Code this source" not in response.text or "themes" in response.text


def test_reading_view_redacts_a_withdrawn_speaker_for_a_researcher_and_marks_them_for_a_lead(
    client_for, researcher, lead, site_a, participant_a
):
    ConsentRecordFactory(
        participant=participant_a,
        scope=ConsentScope.PARTICIPATION,
        decision=ConsentDecision.WITHDRAWN,
        effective_date=datetime.date(2006, 3, 1),
    )
    source = imported(site_a, researcher).source
    words = [escape(body) for speaker, body in TURNS if speaker.startswith("Helen")]
    response = client_for(researcher).get(source.get_absolute_url())
    assert "turn-withdrawn" in response.text
    assert "[withdrawn: participant withdrew on 1 March 2006]" in response.text
    assert not any(body in response.text for body in words)
    response = client_for(lead).get(source.get_absolute_url())
    assert "Consent withdrawn on 1 March 2006" in response.text
    assert all(f'<mark class="withdrawn-words">{body}</mark>' in response.text for body in words)


def test_reading_view_runs_a_constant_number_of_queries(
    client_for, researcher, site_a, django_assert_max_num_queries
):
    helen = ParticipantFactory(site=site_a, pseudonym="Helen")
    give_full_consent(helen)
    few = imported(site_a, researcher).source
    many = imported(site_a, researcher, turns=TURNS * 40).source
    client = client_for(researcher)
    with django_assert_max_num_queries(15) as small:
        client.get(few.get_absolute_url())
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(many.get_absolute_url())


def test_researcher_logs_an_observation(client_for, researcher, site_a, participant_a):
    response = client_for(researcher).post(
        reverse("fieldwork:observation-create", args=["alpha"]),
        {
            "title": "Duty meeting",
            "date": "2005-03-01",
            "start_time": "09:00",
            "end_time": "10:30",
            "setting": "Team room",
            "observer": researcher.pk,
            "participants_present": [participant_a.pk],
            "notes": "One.\n\nTwo.",
        },
    )
    observation = Observation.objects.get()
    assert response.status_code == 302 and response["Location"] == (
        observation.source.get_absolute_url()
    )
    assert observation.source.segments.count() == 2
    assert list(observation.participants_present.all()) == [participant_a]


def test_observation_with_end_before_start_is_shown_again_with_errors(client_for, researcher):
    response = client_for(researcher).post(
        reverse("fieldwork:observation-create", args=["alpha"]),
        {"title": "x", "date": "2005-03-01", "start_time": "10:00", "end_time": "09:00"},
    )
    assert response.status_code == 200 and "end time is before" in response.text
    assert not Source.objects.exists()


def test_observation_form_loads_the_draft_script_and_labels_every_participant(
    client_for, researcher, participant_a
):
    response = client_for(researcher).get(reverse("fieldwork:observation-create", args=["alpha"]))
    assert "js/fieldwork/notes_draft.js" in response.text
    assert f'for="id_participants_present_{participant_a.pk}"' in response.text
    assert response.text.count("<h1") == 1


def test_autosave_stores_a_draft_and_edit_page_offers_it(client_for, researcher, site_a):
    observation = services.observation_create(
        site=site_a, actor=researcher, title="x", date=None, notes="Saved."
    )
    client = client_for(researcher)
    response = client.post(
        reverse("fieldwork:observation-autosave", args=[observation.source.pk]),
        {"notes": "Saved. And more"},
    )
    assert response.status_code == 200 and "saved_at" in response.json()
    page = client.get(reverse("fieldwork:source-edit", args=[observation.source.pk]))
    assert "autosaved draft" in page.text and "Saved. And more" in page.text
    observation.source.refresh_from_db()
    assert observation.source.text == "Saved."


def test_a_malformed_autosave_is_refused_and_keeps_the_saved_draft(client_for, researcher, site_a):
    observation = services.observation_create(
        site=site_a, actor=researcher, title="x", date=None, notes="Saved."
    )
    url = reverse("fieldwork:observation-autosave", args=[observation.source.pk])
    client = client_for(researcher)
    assert client.post(url, {"notes": "Draft kept"}).status_code == 200
    for body in (
        {"text": "wrong field"},
        {},
    ):
        response = client.post(url, body)
        assert response.status_code == 400
        assert "nothing was saved" in response.content.decode()
    json_body = client.post(url, '{"notes": "x"}', content_type="application/json")
    assert json_body.status_code == 400
    observation.refresh_from_db()
    assert observation.draft_notes == "Draft kept"


@pytest.mark.parametrize("persona", ["viewer", "facilitator"])
def test_read_only_roles_get_403_on_fieldwork_posts(persona, request, client_for, site_a):
    from sites.models import AuditEvent

    user = request.getfixturevalue(persona)
    client = client_for(user)
    source = SourceFactory(site=site_a)
    counts = [Source, ImportJob, Observation, AuditEvent]
    before = [model.objects.count() for model in counts]
    # What a researcher could post and have saved: only the role stops it.
    for url, data in [
        (
            reverse("fieldwork:observation-create", args=["alpha"]),
            {"title": "Allocation", "date": "2005-03-14", "notes": "Notes."},
        ),
        (
            reverse("fieldwork:interview-create", args=["alpha"]),
            {"title": "Interview", "date": "2005-03-14", "mode": "individual"},
        ),
        (
            reverse("fieldwork:document-create", args=["alpha"]),
            {"title": "Protocol", "date": "2005-03-14", "text": "Text."},
        ),
        (
            reverse("fieldwork:import-list", args=["alpha"]),
            {"files": upload("t.txt", txt_transcript(TURNS))},
        ),
        (
            reverse("fieldwork:source-speakers", args=[source.pk]),
            {"action": "merge", "label": "A", "into": "B"},
        ),
        (
            reverse("fieldwork:transcript-upload", args=[source.pk]),
            {"file": upload("t.txt", txt_transcript(TURNS))},
        ),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert [model.objects.count() for model in counts] == before


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("fieldwork:search"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_upload_view_imports_many_files_eagerly_and_lists_the_jobs(
    client_for, researcher, site_a, django_capture_on_commit_callbacks
):
    client = client_for(researcher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("fieldwork:import-list", args=["alpha"]),
            {
                "kind": "interview",
                "files": [upload("a.txt", txt_transcript(TURNS)), upload("b.pdf", b"%PDF-1.4")],
            },
        )
    assert response.status_code == 302
    statuses = dict(ImportJob.objects.values_list("filename", "status"))
    assert statuses == {"a.txt": ImportStatus.SUCCEEDED, "b.pdf": ImportStatus.FAILED}
    page = client.get(reverse("fieldwork:import-list", args=["alpha"]), follow=True)
    assert 'role="progressbar"' in page.text and 'aria-valuenow="100"' in page.text


def test_a_running_job_polls_every_second_and_a_finished_one_stops(client_for, researcher, site_a):
    job = services.import_job_create(
        site=site_a, actor=researcher, file=upload("a.txt", txt_transcript(TURNS)), enqueue=False
    )
    ImportJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now())  # the broker has it
    client = client_for(researcher)
    url = reverse("fieldwork:import-detail", args=["alpha", job.pk])
    partial = client.get(url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in partial.text and "<html" not in partial.text
    services.import_job_run(job_id=job.pk)
    partial = client.get(url, headers={"HX-Request": "true"})
    assert "every 1s" not in partial.text and 'aria-valuenow="100"' in partial.text


def test_retry_view_requeues_a_failed_job(client_for, researcher, site_a, private_media):
    job = services.import_job_create(
        site=site_a, actor=researcher, file=upload("a.txt", b""), enqueue=False
    )
    services.import_job_run(job_id=job.pk)
    (private_media / ImportJob.objects.get().original.name).write_bytes(txt_transcript(TURNS))
    client = client_for(researcher)
    url = reverse("fieldwork:import-retry", args=["alpha", job.pk])
    assert client.get(url).status_code == 405
    client.post(url)
    job.refresh_from_db()
    assert job.status in (ImportStatus.QUEUED, ImportStatus.SUCCEEDED)


def test_only_leads_download_originals_and_anonymisation_logs(
    client_for, researcher, site_lead, site_a
):
    job = imported(site_a, researcher)
    original = reverse("fieldwork:import-original", args=["alpha", job.pk])
    log = reverse("fieldwork:source-anonymisation", args=[job.source.pk])
    assert client_for(researcher).get(original).status_code == 403
    assert client_for(researcher).get(log).status_code == 403
    response = client_for(site_lead).get(original)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == txt_transcript(TURNS)
    assert "attachment" in response["Content-Disposition"]
    assert client_for(site_lead).get(log).status_code == 200


def test_anonymisation_log_runs_a_constant_number_of_queries(
    client_for, researcher, site_lead, site_a, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    job = imported(site_a, researcher)
    log = reverse("fieldwork:source-anonymisation", args=[job.source.pk])
    client = client_for(site_lead)
    with CaptureQueriesContext(connection) as one_job:
        assert client.get(log).status_code == 200
    for n in range(10):
        ImportJob.objects.create(
            site=site_a,
            source=job.source,
            kind=SourceKind.INTERVIEW,
            filename=f"retry-{n}.txt",
            status=ImportStatus.FAILED,
            error="Test job.",
        )
    with django_assert_num_queries(len(one_job.captured_queries)):
        page = client.get(log)
    assert page.text.count("retry-") == 10


def test_outsider_gets_404_for_another_sites_source_job_original_and_log(
    client_for, outsider, researcher, site_a
):
    job = imported(site_a, researcher)
    client = client_for(outsider)
    for url in [
        job.source.get_absolute_url(),
        reverse("fieldwork:source-speakers", args=[job.source.pk]),
        reverse("fieldwork:import-detail", args=["alpha", job.pk]),
        reverse("fieldwork:import-detail", args=["bravo", job.pk]),
        reverse("fieldwork:import-original", args=["bravo", job.pk]),
        reverse("fieldwork:site-fieldwork", args=["alpha"]),
    ]:
        assert client.get(url).status_code == 404, url


def test_speaker_page_maps_a_label_to_a_participant(client_for, researcher, site_a):
    source = imported(site_a, researcher).source
    helen = ParticipantFactory(site=site_a, pseudonym="H. Jones")
    client = client_for(researcher)
    url = reverse("fieldwork:source-speakers", args=[source.pk])
    assert "Interviewer" in client.get(url).text
    response = client.post(
        url, {"action": "map", "label": "Interviewer", "target": f"p:{helen.pk}"}
    )
    assert response.status_code == 302
    assert source.segments.filter(speaker="Interviewer", participant=helen).count() == 2
    response = client.post(
        url, {"action": "merge", "merge-label": "Helen", "merge-into": "Interviewer"}
    )
    assert response.status_code == 302
    assert set(source.segments.values_list("speaker", flat=True)) == {"Interviewer"}


def test_lead_manages_the_replacement_list(client_for, site_lead, researcher, site_a):
    url = reverse("fieldwork:replacement-list", args=["alpha"])
    assert client_for(researcher).get(url).status_code == 403
    response = client_for(site_lead).post(url, {"original": "Margaret", "pseudonym": "Teacher"})
    assert response.status_code == 302
    assert site_a.replacements.get().pseudonym == "Teacher"
