"""The import job state machine, pseudonymisation and every kind of bad input, through the
job/service path (nothing may remain of a failed import)."""

from __future__ import annotations

import pytest

from fieldwork import services, tasks
from fieldwork.models import (
    AnonymisationEntry,
    ImportJob,
    ImportStatus,
    Interview,
    Replacement,
    Segment,
    Source,
    SourceKind,
)
from tests.factories import SourceFactory

from .helpers import TURNS, docx_transcript, txt_transcript, upload, vtt_transcript, zip_with


def create_and_run(site, user, name: str, data: bytes, **kwargs) -> ImportJob:
    job = services.import_job_create(site=site, actor=user, file=upload(name, data), **kwargs)
    if job.status == ImportStatus.QUEUED:
        services.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize(
    ("name", "build"),
    [("t.txt", txt_transcript), ("t.docx", docx_transcript), ("t.vtt", vtt_transcript)],
)
def test_an_import_lands_whole_with_turns_offsets_and_mapped_speakers(
    name, build, site_a, researcher, participant_a
):
    job = create_and_run(site_a, researcher, name, build(TURNS))

    assert job.status == ImportStatus.SUCCEEDED, job.error
    assert job.progress == 100 and job.finished_at and job.attempts == 1
    source = job.source
    assert source.kind == SourceKind.INTERVIEW and Interview.objects.filter(source=source).exists()
    turns = list(source.segments.order_by("order"))
    assert [t.speaker for t in turns] == ["Interviewer", "Helen", "Interviewer", "Helen"]
    for turn, (_speaker, text) in zip(turns, TURNS, strict=True):
        assert source.text[turn.start : turn.end] == text == turn.text
    assert turns[1].participant == participant_a  # label matches the pseudonym
    assert turns[0].participant is None
    if name.endswith(".vtt"):
        assert turns[1].start_ms == 5000


def test_replacement_list_is_applied_whole_word_case_insensitively_and_logged_apart(
    site_a, researcher
):
    Replacement.objects.create(site=site_a, original="Margaret", pseudonym="Teacher 1")
    Replacement.objects.create(site=site_a, original="Oakfield", pseudonym="Primary school A")
    job = create_and_run(
        site_a,
        researcher,
        "t.txt",
        txt_transcript([("MARGARET", "oakfield rang. Margarets and Oakfields stay."), *TURNS]),
    )

    text = job.source.text
    assert "[Primary school A] rang." in text
    assert "Margarets and Oakfields stay" in text  # whole words only
    assert "Margaret at" not in text and "[Teacher 1] at [Primary school A] school" in text
    assert job.source.segments.first().speaker == "[Teacher 1]"
    log = {e.original: e.count for e in AnonymisationEntry.objects.filter(source=job.source)}
    assert log == {"Margaret": 2, "Oakfield": 2}


def test_running_a_job_twice_does_nothing_the_second_time(site_a, researcher):
    job = services.import_job_create(
        site=site_a, actor=researcher, file=upload("t.txt", txt_transcript(TURNS))
    )
    assert services.import_job_run(job_id=job.pk).status == ImportStatus.SUCCEEDED
    assert services.import_job_run(job_id=job.pk) is None  # a redelivered message
    assert Source.objects.count() == 1
    job.refresh_from_db()
    assert job.attempts == 1


def test_the_task_loads_the_job_by_id_and_reads_the_upload_from_storage(site_a, researcher):
    job = services.import_job_create(
        site=site_a, actor=researcher, file=upload("t.txt", txt_transcript(TURNS))
    )
    # What a worker does: only the id crosses the broker.
    assert tasks.import_job_run.run(job.pk) == ImportStatus.SUCCEEDED
    assert tasks.import_job_run.run(job.pk) is None


def test_upload_is_enqueued_on_commit_and_runs(
    site_a, researcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = services.import_job_create(
            site=site_a, actor=researcher, file=upload("t.txt", txt_transcript(TURNS))
        )
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED


def test_a_failed_job_can_be_retried_and_then_succeeds(site_a, researcher, private_media):
    job = services.import_job_create(
        site=site_a, actor=researcher, file=upload("t.txt", txt_transcript(TURNS))
    )
    # Make the first attempt fail: the stored upload is replaced by an empty file.
    path = private_media / job.original.name
    good = path.read_bytes()
    path.write_bytes(b"")
    services.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "empty" in job.error.lower()

    path.write_bytes(good)
    job = services.import_job_retry(job=job, actor=researcher)
    assert job.status == ImportStatus.QUEUED and job.error == "" and job.progress == 0
    services.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED and job.attempts == 2


def test_only_a_failed_job_can_be_retried(site_a, researcher):
    job = create_and_run(site_a, researcher, "t.txt", txt_transcript(TURNS))
    with pytest.raises(services.ApplicationError):
        services.import_job_retry(job=job, actor=researcher)


def test_purging_the_original_deletes_the_file_but_keeps_the_source(
    site_a, lead, private_media, django_capture_on_commit_callbacks
):
    job = create_and_run(site_a, lead, "t.txt", txt_transcript(TURNS))
    path = private_media / job.original.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.import_job_purge_original(job=job, actor=lead)
    job.refresh_from_db()
    assert not path.exists() and not job.has_original and job.original_purged_at
    assert Source.objects.filter(pk=job.source_id).exists()
    with pytest.raises(services.ApplicationError):
        services.import_job_purge_original(job=job, actor=lead)


def test_a_transcript_uploaded_later_fills_the_interview(site_a, researcher):
    interview = services.interview_create(
        site=site_a, actor=researcher, title="Team manager", date=None
    )
    job = create_and_run(
        site_a, researcher, "t.docx", docx_transcript(TURNS), source=interview.source
    )
    assert job.status == ImportStatus.SUCCEEDED
    assert job.source == interview.source and interview.source.segments.count() == 4
    assert Source.objects.count() == 1


def test_importing_into_a_source_that_has_text_fails_and_changes_nothing(site_a, researcher):
    source = SourceFactory(site=site_a, text="Already here.")
    job = create_and_run(site_a, researcher, "t.txt", txt_transcript(TURNS), source=source)
    assert job.status == ImportStatus.FAILED and "already has a transcript" in job.error
    source.refresh_from_db()
    assert source.text == "Already here." and not Segment.objects.exists()


def _billion_laughs_docx() -> bytes:
    good = docx_transcript(TURNS)
    import io
    import zipfile

    entities = (
        '<!DOCTYPE w [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        + "".join(f'<!ENTITY {chr(99 + i)} "' + f"&{chr(98 + i)};" * 10 + '">' for i in range(6))
        + "]>"
    )
    members = {}
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        for info in archive.infolist():
            members[info.filename] = archive.read(info.filename)
    xml = members["word/document.xml"].decode()
    head, _, rest = xml.partition("?>")
    members["word/document.xml"] = (
        head + "?>" + entities + rest.replace("Honestly", "&i;", 1)
    ).encode()
    return zip_with(members)


def _zip_bomb_docx() -> bytes:
    import io
    import zipfile

    members = {}
    with zipfile.ZipFile(io.BytesIO(docx_transcript(TURNS))) as archive:
        for info in archive.infolist():
            members[info.filename] = archive.read(info.filename)
    members["word/media/padding.bin"] = b"\0" * (8 * 1024 * 1024)
    return zip_with(members)


BAD_INPUTS = [
    pytest.param("notes.pdf", b"%PDF-1.4 not a transcript", id="unknown-type"),
    pytest.param("notes", b"Helen: hello", id="no-extension"),
    pytest.param("t.docx", txt_transcript(TURNS), id="mismatched-type"),
    pytest.param("t.vtt", docx_transcript(TURNS), id="docx-named-vtt"),
    pytest.param("t.txt", b"", id="empty"),
    pytest.param("t.txt", b"   \n\n  ", id="blank"),
    pytest.param("t.docx", b"PK\x03\x04" + bytes(range(256)) * 20, id="corrupt-docx"),
    pytest.param("t.docx", docx_transcript(TURNS)[:1500], id="truncated-docx"),
    pytest.param("t.odt", zip_with({"mimetype": b"x"}), id="zip-without-content"),
    pytest.param("t.docx", _billion_laughs_docx(), id="xml-entity-expansion"),
]


@pytest.mark.parametrize(("name", "data"), BAD_INPUTS)
def test_bad_input_fails_the_job_with_a_plain_message_and_leaves_no_rows(
    name, data, site_a, researcher
):
    job = create_and_run(site_a, researcher, name, data)

    assert job.status == ImportStatus.FAILED
    assert job.error and "Traceback" not in job.error and len(job.error) < 400
    assert job.finished_at is not None
    assert not Source.objects.exists() and not Segment.objects.exists()
    assert not AnonymisationEntry.objects.exists()


def test_a_zip_bomb_fails_the_job(site_a, researcher, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    job = create_and_run(site_a, researcher, "t.docx", _zip_bomb_docx())
    assert job.status == ImportStatus.FAILED and job.error
    assert not Source.objects.exists() and not Segment.objects.exists()


def test_a_file_over_the_size_limit_fails_at_once_and_is_not_kept(
    site_a, researcher, settings, private_media
):
    settings.IMPORT_MAX_BYTES = 1000
    job = create_and_run(site_a, researcher, "t.txt", b"Helen: " + b"word " * 400)
    assert job.status == ImportStatus.FAILED
    assert "limit" in job.error and "MB" in job.error
    assert not job.has_original and not any(private_media.rglob("*.txt"))
    assert not Source.objects.exists()
    with pytest.raises(services.ApplicationError):
        services.import_job_retry(job=job, actor=researcher)


def test_an_original_that_grew_past_the_limit_in_storage_fails_the_run(
    site_a, researcher, settings
):
    job = services.import_job_create(
        site=site_a, actor=researcher, file=upload("t.txt", txt_transcript(TURNS))
    )
    settings.IMPORT_MAX_BYTES = 10
    services.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "limit" in job.error
    assert not Source.objects.exists()
