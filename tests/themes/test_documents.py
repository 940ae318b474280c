"""Documents made by workers (themes/documents.py): the job's state machine, My documents,
downloads scoped to the owner and their sites, consent at build time and after, large theme
exports as jobs, and the audit record."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from fieldwork.models import private_storage
from sites.models import AuditEvent, ConsentDecision, ConsentScope, Membership
from sites.services import consent_record
from themes import documents
from themes.models import DocumentJob, DocumentStatus

from .factories import CodingFactory

DOCS = "/themes/documents/"


@pytest.fixture
def coded(world, researcher, lead):
    """Three codings of Co-location at site A (Helen twice, Wendy once) by the researcher."""
    source = world["source_a"]
    theme = world["colocation"]
    turns = list(source.segments.order_by("order"))
    for turn in turns:
        CodingFactory(
            source=source,
            theme=theme,
            coder=researcher,
            start=turn.start,
            end=turn.start + 12,
            participant=turn.participant,
        )
    return world


def _export_job(user, theme, fmt="csv", query=""):
    return documents.document_request(
        user=user,
        kind="excerpts",
        params={"theme": theme.pk, "fmt": fmt, "query": query},
        title=f"Excerpts ({fmt})",
    )


def _file_text(job) -> str:
    with job.open_file() as handle:
        return handle.read().decode("utf-8-sig")


# --- the state machine ---------------------------------------------------------------


def test_a_document_is_made_once_and_a_second_claim_does_nothing(
    coded, researcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = _export_job(researcher, coded["colocation"])
    job.refresh_from_db()
    assert job.status == DocumentStatus.SUCCEEDED and job.progress == 100
    assert job.attempts == 1 and job.size > 0 and job.filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(_file_text(job))))
    assert len(rows) == 1 + 3
    # A redelivered message finds the job claimed: nothing happens.
    assert documents.document_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.attempts == 1
    assert {coded["helen"].pk, coded["wendy"].pk} <= set(job.participant_ids)


def test_a_failure_says_what_to_do_and_making_it_again_works(
    coded, researcher, django_capture_on_commit_callbacks
):
    theme = coded["colocation"]
    job = _export_job(researcher, theme, fmt="pdf")  # not a format exports come in
    documents.document_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == DocumentStatus.FAILED
    assert "CSV, XLSX or DOCX" in job.error
    job.params = {**job.params, "fmt": "xlsx"}
    job.save(update_fields=["params"])
    with django_capture_on_commit_callbacks(execute=True):
        documents.document_regenerate(job=job, actor=researcher)
    job.refresh_from_db()
    assert job.status == DocumentStatus.SUCCEEDED and job.filename.endswith(".xlsx")
    assert job.attempts == 2 and job.error == ""


def test_a_running_document_cannot_be_regenerated_or_deleted(coded, researcher, client_for):
    job = _export_job(researcher, coded["colocation"])
    DocumentJob.objects.filter(pk=job.pk).update(
        status=DocumentStatus.RUNNING,
        lease_expires_at=timezone.now() + datetime.timedelta(minutes=1),
    )
    job.refresh_from_db()
    with pytest.raises(documents.ApplicationError):
        documents.document_regenerate(job=job, actor=researcher)
    client = client_for(researcher)
    response = client.post(f"{DOCS}{job.pk}/delete/", follow=True)
    assert "Wait until the document is made" in response.content.decode()
    assert DocumentJob.objects.filter(pk=job.pk).exists()


def test_the_sweep_takes_back_a_document_whose_worker_died(coded, researcher):
    job = _export_job(researcher, coded["colocation"])
    past = timezone.now() - datetime.timedelta(minutes=5)
    DocumentJob.objects.filter(pk=job.pk).update(
        status=DocumentStatus.RUNNING, attempts=1, started_at=past, lease_expires_at=past
    )
    swept = documents.document_sweep()
    assert job.pk in swept["requeued"]
    job.refresh_from_db()
    # Sent again (eager here): made by the next run.
    assert job.status == DocumentStatus.SUCCEEDED and job.attempts == 2
    DocumentJob.objects.filter(pk=job.pk).update(
        status=DocumentStatus.RUNNING, attempts=3, started_at=past, lease_expires_at=past
    )
    swept = documents.document_sweep()
    assert job.pk in swept["failed"]
    job.refresh_from_db()
    assert job.status == DocumentStatus.FAILED and "interrupted 3 times" in job.error


# --- consent -----------------------------------------------------------------------------


def test_consent_is_applied_when_the_document_is_made(
    coded, researcher, lead, django_capture_on_commit_callbacks
):
    consent_record(
        participant=coded["wendy"],
        actor=lead,
        scopes=[ConsentScope.PARTICIPATION],
        decision=ConsentDecision.WITHDRAWN,
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = _export_job(researcher, coded["colocation"])
    job.refresh_from_db()
    text = _file_text(job)
    assert "Strictly we" not in text and "We sit toget" in text
    assert coded["wendy"].pk not in job.participant_ids


def test_a_withdrawal_marks_made_documents_withdrawn_and_deletes_their_files(
    coded, researcher, lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = _export_job(researcher, coded["colocation"])
    job.refresh_from_db()
    name = job.file.name
    storage = private_storage()
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        consent_record(
            participant=coded["wendy"],
            actor=lead,
            scopes=[ConsentScope.PARTICIPATION],
            decision=ConsentDecision.WITHDRAWN,
        )
    job.refresh_from_db()
    assert job.status == DocumentStatus.WITHDRAWN and not job.file
    assert "withdrawn consent" in job.error
    assert not storage.exists(name)
    assert AuditEvent.objects.filter(verb="document.withdraw", object_id=str(job.pk)).exists()
    # Made again: without Wendy's words.
    with django_capture_on_commit_callbacks(execute=True):
        documents.document_regenerate(job=job, actor=researcher)
    job.refresh_from_db()
    assert job.status == DocumentStatus.SUCCEEDED
    assert "Strictly we" not in _file_text(job)


def test_a_withdrawal_leaves_documents_that_do_not_quote_the_participant(
    coded, researcher, lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = _export_job(researcher, coded["colocation"])
    with django_capture_on_commit_callbacks(execute=True):
        consent_record(
            participant=coded["omar"],
            actor=lead,
            scopes=[ConsentScope.PARTICIPATION],
            decision=ConsentDecision.WITHDRAWN,
        )
    job.refresh_from_db()
    assert job.status == DocumentStatus.SUCCEEDED


# --- pages and access ----------------------------------------------------------------------


def test_my_documents_lists_only_mine_with_progress_size_and_actions(
    coded, researcher, facilitator, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mine = _export_job(researcher, coded["colocation"])
        theirs = _export_job(facilitator, coded["colocation"], fmt="xlsx")
    mine.refresh_from_db()
    html = client_for(researcher).get(DOCS).content.decode()
    assert mine.title in html and theirs.title not in html
    assert 'role="progressbar"' in html and 'aria-valuenow="100"' in html
    assert f"Download {mine.filename}" in html and "Make again" in html and "Delete" in html
    assert "bytes" in html  # the size


def test_my_documents_empty_state_and_polling_while_queued(researcher, client_for, coded):
    client = client_for(researcher)
    assert "You have no documents yet" in client.get(DOCS).content.decode()
    _export_job(researcher, coded["colocation"])  # not run: no commit in this test
    html = client.get(DOCS).content.decode()
    assert 'hx-trigger="every 1s"' in html
    fragment = client.get(DOCS, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith("{#") is False and 'id="document-table"' in fragment


def test_download_is_for_the_owner_who_still_sees_every_site_in_it(
    coded, researcher, facilitator, site_a, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = _export_job(researcher, coded["colocation"])
    url = f"{DOCS}{job.pk}/download/"
    response = client_for(researcher).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.filter(verb="document.download", object_id=str(job.pk)).exists()
    # Another member of the same site: not theirs.
    assert client_for(facilitator).get(url).status_code == 404
    assert client_for(facilitator).post(f"{DOCS}{job.pk}/delete/").status_code == 404
    # The owner lost their membership: the document holds a site they no longer see.
    Membership.objects.filter(user=researcher, site=site_a).delete()
    assert client_for(researcher).get(url).status_code == 404


def test_delete_removes_the_row_and_the_file(
    coded, researcher, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = _export_job(researcher, coded["colocation"])
    job.refresh_from_db()
    storage, name = private_storage(), job.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(researcher).post(f"{DOCS}{job.pk}/delete/")
    assert response.status_code == 302
    assert not DocumentJob.objects.filter(pk=job.pk).exists()
    assert not storage.exists(name)
    assert AuditEvent.objects.filter(verb="document.delete").exists()


def test_a_theme_export_beyond_the_limit_becomes_a_document_job(
    coded, researcher, client_for, settings, django_capture_on_commit_callbacks
):
    settings.DOCUMENT_IN_REQUEST_MAX_EXCERPTS = 2
    theme = coded["colocation"]
    client = client_for(researcher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("themes:theme-export", args=[theme.pk, "csv"]))
    assert response.status_code == 302 and response["Location"] == DOCS
    job = DocumentJob.objects.get()
    assert job.status == DocumentStatus.SUCCEEDED
    rows = list(csv.reader(io.StringIO(_file_text(job))))
    assert len(rows) == 1 + 3  # no cap
    # At or below the limit the file comes in the request.
    settings.DOCUMENT_IN_REQUEST_MAX_EXCERPTS = 3
    response = client.get(reverse("themes:theme-export", args=[theme.pk, "csv"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def test_a_kind_the_user_may_not_ask_for_is_refused(coded, researcher):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        documents.document_request(
            user=researcher, kind="refi_project", params={}, title="The whole project"
        )
    with pytest.raises(documents.ApplicationError):
        documents.document_request(user=researcher, kind="nonsense", params={}, title="x")
    assert not DocumentJob.objects.exists()


def test_the_refi_project_of_ones_site_is_a_valid_qdpx(
    coded, researcher, site_a, django_capture_on_commit_callbacks
):
    import zipfile

    with django_capture_on_commit_callbacks(execute=True):
        job = documents.document_request(
            user=researcher,
            kind="refi_project",
            params={"sites": [site_a.code]},
            title="Site A as REFI-QDA",
        )
    job.refresh_from_db()
    assert job.status == DocumentStatus.SUCCEEDED, job.error
    with job.open_file() as handle, zipfile.ZipFile(handle) as archive:
        assert "project.qde" in archive.namelist()
    assert job.site_ids == [site_a.pk]


def test_the_audit_record_says_in_words_what_happened_to_a_document(
    coded, researcher, lead, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = _export_job(researcher, coded["colocation"])
    client_for(researcher).get(f"{DOCS}{job.pk}/download/")
    html = client_for(lead).get("/audit/").content.decode()
    for words in ("asked for the document", "had the document made", "downloaded the document"):
        assert words in html
