"""Writes for the fieldwork app. Keyword-only, validated, atomic; views, admin, tasks, the
import command and the demo data all call these.

Text rules: every Source text is NFC with LF line endings and no other control characters;
Segment offsets are `[start, end)` in code points of that text, and `Segment.text` is a copy
of `source.text[start:end]` (see the model for why).
"""

from __future__ import annotations

import datetime
import functools
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from sites.access import ApplicationError
from sites.models import Participant, Site
from sites.services import audit_record

from . import jobs
from .models import (
    AnonymisationEntry,
    DocumentType,
    FieldDocument,
    ImportJob,
    ImportStatus,
    Interview,
    InterviewMode,
    Observation,
    Segment,
    SegmentAttribution,
    Source,
    SourceKind,
    private_storage,
)

# Text utilities and the pseudonymiser live in their own modules; re-exported here (the
# `X as X` form) for `from fieldwork.services import …`.
from .pseudonyms import Pseudonymiser as Pseudonymiser
from .pseudonyms import replacement_create as replacement_create
from .pseudonyms import replacement_delete as replacement_delete
from .reanchor import Anchor, Reanchored, reanchor
from .text import TURN_SEPARATOR as TURN_SEPARATOR
from .text import Turn as Turn
from .text import compose_turns as compose_turns
from .text import normalise_text as normalise_text
from .text import paragraph_spans as paragraph_spans

logger = logging.getLogger(__name__)

# --- the text-change hook -------------------------------------------------------------------

Remap = Callable[[Iterable[Anchor]], list[Reanchored]]
SourceTextChangeHandler = Callable[[Source, str, Remap], None]
"""Called as `handler(source, old_text, remap)` inside `source_update_text`'s transaction,
after the source has its new text and segments. `remap(anchors)` carries `[start, end)` ranges
of the old text over to the new one (`fieldwork.reanchor.reanchor` with both texts bound).
Apps to the right of fieldwork (themes: codings) register here from their AppConfig.ready();
a handler may raise ValidationError or ApplicationError to refuse the edit (all rolls back)."""
source_text_change_handlers: list[SourceTextChangeHandler] = []

SpeakerChangeHandler = Callable[[Source], None]
"""Called as `handler(source)` inside `source_speaker_map`'s and `source_speaker_merge`'s
transaction, after the source's turns were mapped to other participants or researchers, so
apps holding denormalised speakers (themes: `Coding.participant`) can refresh them."""
speaker_change_handlers: list[SpeakerChangeHandler] = []


# --- text (the rules and utilities live in fieldwork.text) --------------------------------


def _paragraph_rows(source: Source, first_order: int = 0) -> list[dict]:
    return [
        {
            "source_id": source.pk,
            "order": first_order + i,
            "start": s,
            "end": e,
            "text": source.text[s:e],
        }
        for i, (s, e) in enumerate(paragraph_spans(source.text))
    ]


# --- sources ----------------------------------------------------------------------------------


def _match_participants(site: Site, labels: Iterable[str]) -> dict[str, Participant]:
    """Speaker labels that name one of the site's participants (by pseudonym, ignoring case
    and the [brackets] pseudonymisation adds)."""
    by_name = {p.pseudonym.casefold(): p for p in Participant.objects.filter(site=site)}
    found = {}
    for label in labels:
        participant = by_name.get(label.strip().strip("[]").strip().casefold())
        if participant is not None:
            found[label] = participant
    return found


def _insert_segments(rows: list[dict]) -> None:
    """Insert new segments, given as dicts of Segment field attnames. On SQLite, straight
    through the driver's executemany: Django's multi-row INSERT costs ~8 µs per value and each
    model instance ~20 µs, 30 ms for a 300-turn interview against 3 ms this way (measured in
    bench/RESULTS.md, "Upload against Taguette"), which made an upload on the embedded
    default slower than Taguette's. PostgreSQL keeps bulk_create: its multi-row INSERT is one
    round trip, where executemany would be one per row."""
    if connection.vendor != "sqlite":
        Segment.objects.bulk_create(Segment(**row) for row in rows)
        return
    fields = [f for f in Segment._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(Segment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608 - _meta names
            [[row.get(f.attname, defaults[f.attname]) for f in fields] for row in rows],
        )


def _write_turns(source: Source, turns: Sequence[Turn]) -> None:
    """Replace a source's text and segments with the given turns (inside a transaction)."""
    text, placed = compose_turns(turns)
    adding = source._state.adding
    source.text = text
    # The site and author were checked by the caller's form or job: no existence queries.
    source.full_clean(exclude=["site", "created_by"])
    source.save()
    if not adding:
        source.segments.all().delete()
    if not any(turn.speaker for turn, _s, _e in placed) and not any(
        turn.start_ms is not None for turn, _s, _e in placed
    ):
        # No speakers, no times (a document, field notes): the segments are paragraphs.
        _insert_segments(_paragraph_rows(source))
        return
    participants = _match_participants(source.site, {t.speaker for t, _s, _e in placed})
    _insert_segments(
        [
            {
                "source_id": source.pk,
                "order": order,
                "speaker": turn.speaker[:120],
                "participant_id": participant.pk if participant else None,
                "start": start,
                "end": end,
                "start_ms": turn.start_ms,
                "end_ms": turn.end_ms,
                "text": text[start:end],
            }
            for order, (turn, start, end) in enumerate(placed)
            for participant in [participants.get(turn.speaker)]
        ]
    )


def source_create(
    *,
    site: Site,
    kind: str,
    title: str,
    actor,
    date: datetime.date | None = None,
    text: str = "",
    turns: Sequence[Turn] | None = None,
) -> Source:
    """A source with its segments: speaker turns when given, else paragraphs of `text`."""
    source = Source(site=site, kind=SourceKind(kind), title=title.strip(), date=date)
    if getattr(actor, "is_authenticated", False):
        source.created_by = actor
    with transaction.atomic():
        _write_turns(source, turns if turns is not None else [Turn("", text)])
        audit_record(
            actor=actor,
            verb="source.create",
            obj=source,
            site=site,
            changes={"kind": kind, "characters": len(source.text)},
        )
    return source


def source_update(*, source: Source, actor, title: str, date: datetime.date | None) -> Source:
    before = {"title": source.title, "date": str(source.date)}
    source.title = title.strip()
    source.date = date
    source.full_clean()
    after = {"title": source.title, "date": str(source.date)}
    with transaction.atomic():
        source.save(update_fields=["title", "date", "updated_at"])
        diff = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        if diff:
            audit_record(
                actor=actor, verb="source.update", obj=source, site=source.site, changes=diff
            )
    return source


def source_update_text(*, source: Source, text: str, actor) -> Source:
    """Change a source's text and keep everything anchored in it on the same words.

    Paragraph sources (field notes, documents) get their paragraphs re-derived; speaker-turn
    sources keep their turns (speaker, participant, times), re-anchored through the diff, and
    a turn whose text was deleted entirely is removed. Turn `order` is never renumbered, so
    `#turn-<order>` links stay stable. Then every registered text-change handler runs (codings
    in themes) in the same transaction: the edit and the re-anchoring land together or not at
    all.
    """
    new_text = normalise_text(text)
    with transaction.atomic():
        # Lock the row: two people saving the same notes must not interleave their re-anchoring.
        locked = Source.objects.select_for_update().get(pk=source.pk)
        old_text = locked.text
        if new_text == old_text:
            return source
        source.text = new_text
        source.full_clean()
        source.save(update_fields=["text", "updated_at"])
        segments = list(source.segments.order_by("order"))
        if not any(
            s.speaker or s.participant_id or s.researcher_id or s.start_ms is not None
            for s in segments
        ):
            attributed = list(
                SegmentAttribution.objects.filter(segment__source=source).values_list(
                    "pk", "segment__start", "segment__end", "participant_id", "created_by_id"
                )
            )
            source.segments.all().delete()
            _insert_segments(_paragraph_rows(source))
            _carry_attributions(source, old_text, new_text, attributed)
        else:
            moved = reanchor(old_text, new_text, (Anchor(s.pk, s.start, s.end) for s in segments))
            by_pk = {s.pk: s for s in segments}
            gone, keep = [], []
            for result in moved:
                segment = by_pk[int(str(result.key))]
                if result.status == "removed":
                    gone.append(segment.pk)
                    continue
                segment.start, segment.end = result.start, result.end
                segment.text = new_text[result.start : result.end]
                keep.append(segment)
            Segment.objects.filter(pk__in=gone).delete()
            Segment.objects.bulk_update(keep, ["start", "end", "text"], batch_size=500)
        remap = functools.partial(reanchor, old_text, new_text)
        for handler in source_text_change_handlers:
            handler(source, old_text, remap)
        audit_record(
            actor=actor,
            verb="source.update_text",
            obj=source,
            site=source.site,
            changes={"characters": [len(old_text), len(new_text)]},
        )
    return source


def _carry_attributions(source: Source, old_text: str, new_text: str, attributed: list) -> None:
    """Re-derived paragraphs keep their attributions: each old paragraph's range is carried
    over the edit, and every new paragraph overlapping it is attributed to the same
    participant (a split paragraph to both halves, merged ones to everyone), so an edit never
    lets a withdrawn participant's words out of the consent exclusion."""
    if not attributed:
        return
    moved = {
        r.key: r
        for r in reanchor(old_text, new_text, (Anchor(pk, s, e) for pk, s, e, _p, _u in attributed))
    }
    paragraphs = list(source.segments.order_by("start").values_list("pk", "start", "end"))
    links = {}
    for pk, _start, _end, participant_id, created_by_id in attributed:
        result = moved[pk]
        if result.status == "removed":
            continue
        for segment_id, start, end in paragraphs:
            if start < max(result.end, result.start + 1) and end > result.start:
                links[(segment_id, participant_id)] = created_by_id
    SegmentAttribution.objects.bulk_create(
        SegmentAttribution(segment_id=segment_id, participant_id=participant_id, created_by_id=by)
        for (segment_id, participant_id), by in links.items()
    )


# --- speakers -----------------------------------------------------------------------------------


def source_speaker_map(
    *, source: Source, label: str, actor, participant: Participant | None = None, researcher=None
) -> int:
    """Map every turn with this speaker label to a participant, a researcher, or nobody."""
    if participant is not None and researcher is not None:
        raise ValidationError("A speaker is either a participant or a researcher, not both.")
    if participant is not None and participant.site_id != source.site_id:
        raise ValidationError("Choose a participant of this site.")
    with transaction.atomic():
        count = source.segments.filter(speaker=label).update(
            participant=participant, researcher=researcher
        )
        if not count:
            raise ValidationError(f"No turn has the speaker label “{label}”.")
        for handler in speaker_change_handlers:
            handler(source)
        audit_record(
            actor=actor,
            verb="source.speaker_map",
            obj=source,
            site=source.site,
            changes={
                "label": label,
                "participant": participant.pseudonym if participant else None,
                "researcher": researcher.get_username() if researcher else None,
            },
        )
    return count


def source_speaker_merge(*, source: Source, label: str, into: str, actor) -> int:
    """Relabel every turn of `label` as `into` (a typo'd label joins the right one), taking on
    `into`'s mapping."""
    if label == into:
        raise ValidationError("Choose a different label to merge into.")
    with transaction.atomic():
        target = source.segments.filter(speaker=into).order_by("order").first()
        if target is None:
            raise ValidationError(f"No turn has the speaker label “{into}”.")
        count = source.segments.filter(speaker=label).update(
            speaker=into, participant=target.participant_id, researcher=target.researcher_id
        )
        if not count:
            raise ValidationError(f"No turn has the speaker label “{label}”.")
        for handler in speaker_change_handlers:
            handler(source)
        audit_record(
            actor=actor,
            verb="source.speaker_merge",
            obj=source,
            site=source.site,
            changes={"label": label, "into": into, "turns": count},
        )
    return count


def segment_attribute(
    *, segment: Segment, participants: Iterable[Participant], actor
) -> list[Participant]:
    """Attribute a paragraph (field notes, a document) to the participants whose words or
    actions it reports: it then follows each one's consent, as a turn follows its speaker's.
    Replaces the paragraph's attributions; returns them. Codings' denormalised participant
    follows (the speaker-change hooks run in the same transaction)."""
    participants = sorted(set(participants), key=lambda p: p.pseudonym.casefold())
    source = segment.source
    if any(p.site_id != source.site_id for p in participants):
        raise ValidationError("Choose participants of this site.")
    with transaction.atomic():
        # Lock the paragraph: two people attributing it at once apply one after the other.
        Segment.objects.select_for_update().filter(pk=segment.pk).exists()
        current = dict(
            SegmentAttribution.objects.filter(segment=segment).values_list(
                "participant_id", "participant__pseudonym"
            )
        )
        wanted = {p.pk for p in participants}
        if set(current) == wanted:
            return participants
        SegmentAttribution.objects.filter(segment=segment).exclude(
            participant_id__in=wanted
        ).delete()
        for participant in participants:
            if participant.pk not in current:
                attribution = SegmentAttribution(
                    segment=segment,
                    participant=participant,
                    created_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
                attribution.full_clean(exclude=["segment", "participant", "created_by"])
                attribution.save()
        for handler in speaker_change_handlers:
            handler(source)
        audit_record(
            actor=actor,
            verb="segment.attribute",
            obj=source,
            site=source.site,
            changes={
                "paragraph": segment.order + 1,
                "participants": [sorted(current.values()), [p.pseudonym for p in participants]],
            },
        )
    return participants


# --- observations, interviews, documents ---------------------------------------------------


def observation_create(
    *,
    site: Site,
    actor,
    title: str,
    date: datetime.date | None,
    notes: str = "",
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    setting: str = "",
    observer=None,
    participants_present: Iterable[Participant] = (),
) -> Observation:
    participants_present = list(participants_present)
    if any(p.site_id != site.pk for p in participants_present):
        raise ValidationError("Participants present must belong to this site.")
    with transaction.atomic():
        source = source_create(
            site=site,
            kind=SourceKind.OBSERVATION,
            title=title,
            date=date,
            text=notes,
            actor=actor,
        )
        observation = Observation(
            source=source,
            start_time=start_time,
            end_time=end_time,
            setting=setting,
            observer=observer,
        )
        observation.full_clean()
        observation.save()
        observation.participants_present.set(participants_present)
    return observation


def observation_update(
    *,
    observation: Observation,
    actor,
    title: str,
    date: datetime.date | None,
    notes: str,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    setting: str = "",
    observer=None,
    participants_present: Iterable[Participant] = (),
) -> Observation:
    source = observation.source
    participants_present = list(participants_present)
    if any(p.site_id != source.site_id for p in participants_present):
        raise ValidationError("Participants present must belong to this site.")
    observation.start_time, observation.end_time = start_time, end_time
    observation.setting, observation.observer = setting, observer
    observation.draft_notes, observation.draft_saved_at = "", None
    observation.full_clean()
    with transaction.atomic():
        source_update(source=source, actor=actor, title=title, date=date)
        source_update_text(source=source, text=notes, actor=actor)
        observation.save()
        observation.participants_present.set(participants_present)
    return observation


def observation_autosave(*, observation: Observation, notes: str) -> Observation:
    """Keep the browser's draft of the notes. Not the notes themselves (no re-anchoring, no
    audit event every few seconds); saving the form commits the draft."""
    observation.draft_notes = normalise_text(notes)
    observation.draft_saved_at = timezone.now()
    observation.save(update_fields=["draft_notes", "draft_saved_at"])
    return observation


def interview_create(
    *,
    site: Site,
    actor,
    title: str,
    date: datetime.date | None,
    mode: str = InterviewMode.INDIVIDUAL,
    interviewers: Iterable = (),
    interviewees: Iterable[Participant] = (),
    recording_reference: str = "",
) -> Interview:
    interviewees = list(interviewees)
    if any(p.site_id != site.pk for p in interviewees):
        raise ValidationError("Interviewees must be participants of this site.")
    with transaction.atomic():
        source = source_create(
            site=site, kind=SourceKind.INTERVIEW, title=title, date=date, actor=actor
        )
        interview = Interview(source=source, mode=mode, recording_reference=recording_reference)
        interview.full_clean()
        interview.save()
        interview.interviewers.set(list(interviewers))
        interview.interviewees.set(interviewees)
    return interview


def interview_update(
    *,
    interview: Interview,
    actor,
    title: str,
    date: datetime.date | None,
    mode: str,
    interviewers: Iterable = (),
    interviewees: Iterable[Participant] = (),
    recording_reference: str = "",
) -> Interview:
    interviewees = list(interviewees)
    if any(p.site_id != interview.source.site_id for p in interviewees):
        raise ValidationError("Interviewees must be participants of this site.")
    interview.mode, interview.recording_reference = mode, recording_reference
    interview.full_clean()
    with transaction.atomic():
        source_update(source=interview.source, actor=actor, title=title, date=date)
        interview.save()
        interview.interviewers.set(list(interviewers))
        interview.interviewees.set(interviewees)
    return interview


def document_update(
    *,
    document: FieldDocument,
    actor,
    title: str,
    date: datetime.date | None,
    document_type: str,
    author: str = "",
) -> FieldDocument:
    document.document_type, document.author = document_type, author
    document.full_clean()
    with transaction.atomic():
        source_update(source=document.source, actor=actor, title=title, date=date)
        document.save()
    return document


# --- transcript import --------------------------------------------------------------------


class ImportFailure(Exception):
    """An import cannot go ahead; the message is shown to the researcher as it is."""


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _too_big_message(size: int) -> str:
    return (
        f"The file is {_megabytes(size)}; the limit is "
        f"{_megabytes(settings.IMPORT_MAX_BYTES)}. Split the transcript into parts, or save it "
        "without embedded images, and upload it again."
    )


def import_job_create(
    *,
    site: Site,
    actor,
    file: File,
    kind: str = SourceKind.INTERVIEW,
    source: Source | None = None,
    options: dict | None = None,
    enqueue: bool = True,
) -> ImportJob:
    """Record an upload as a queued job, keep the original in private storage and, once the
    transaction commits, hand the job to a worker. An upload over the size limit becomes a
    failed job straight away (its bytes are not kept)."""
    if source is not None and source.site_id != site.pk:
        raise ValidationError("The source belongs to another site.")
    filename = os.path.basename(getattr(file, "name", "") or "upload")[:255] or "upload"
    size = file.size or 0
    job = ImportJob(
        site=site,
        kind=SourceKind(kind),
        filename=filename,
        size=size,
        source=source,
        options=options or {},
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    with transaction.atomic():
        if size > settings.IMPORT_MAX_BYTES:
            job.status, job.error, job.finished_at = (
                ImportStatus.FAILED,
                _too_big_message(size),
                timezone.now(),
            )
            job.full_clean(exclude=["original"])
            job.save()
        else:
            job.full_clean(exclude=["original"])
            job.save()
            _, ext = os.path.splitext(filename)
            # A random name: the real file name may itself hold a real name.
            name = private_storage().save(f"imports/{uuid.uuid4().hex}{ext.lower()[:10]}", file)
            job.original.name = name
            job.save(update_fields=["original"])
            if enqueue:
                _enqueue(job)
        audit_record(
            actor=actor,
            verb="import.create",
            obj=job,
            site=site,
            changes={"kind": kind, "size": size},
        )
    return job


def _enqueue(job: ImportJob) -> None:
    """Send the job to a worker once the transaction commits (see `_publish`)."""
    job_id = job.pk
    transaction.on_commit(lambda: _publish(job_id))


def _publish(job_id: int) -> bool:
    """Hand a queued job to the broker. A broker that cannot be reached does not fail the
    upload (the job and its original are already saved): the job stays queued with no
    `enqueued_at`, the user is told it will start when the service is back, and the worker's
    sweep sends it then. Returns whether the message went out."""
    from .tasks import import_job_run  # tasks imports services: import here, not at the top

    # Unconditional: a worker (or the eager path) may already have claimed the job.
    return jobs.publish(
        import_job_run,
        job_id,
        lambda: ImportJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now()),
        "Import job",
    )


def import_job_retry(*, job: ImportJob, actor) -> ImportJob:
    """Queue a failed job again, or a running one whose worker stopped renewing its lease
    (`is_stale`: the worker died and no sweep has taken it back yet)."""
    if job.status != ImportStatus.FAILED and not job.is_stale:
        raise ApplicationError("Only a failed or stopped import can be tried again.")
    if not job.has_original:
        raise ApplicationError(
            "The uploaded file is no longer kept, so this import cannot be tried again. "
            "Upload the file again."
        )
    retryable = Q(status=ImportStatus.FAILED) | Q(
        status=ImportStatus.RUNNING, lease_expires_at__lt=timezone.now(), attempts=job.attempts
    )
    with transaction.atomic():
        updated = ImportJob.objects.filter(retryable, pk=job.pk).update(
            status=ImportStatus.QUEUED,
            progress=0,
            error="",
            started_at=None,
            finished_at=None,
            enqueued_at=None,
            lease_expires_at=None,
        )
        if not updated:
            raise ApplicationError("This import has already been restarted.")
        audit_record(actor=actor, verb="import.retry", obj=job, site=job.site)
        _enqueue(job)
    job.refresh_from_db()
    return job


def _interrupted_message(job: ImportJob) -> str:
    times = "once" if job.attempts == 1 else f"{job.attempts} times"
    return (
        f"The import was interrupted {times} before it could finish (the server handling it "
        "stopped), and nothing was saved. A very large file can cause this: split it into "
        "parts and upload them, or try again; if it stops again, tell the project lead "
        f"(job {job.pk})."
    )


@dataclass(frozen=True)
class ImportSweep:
    requeued: list[int]
    failed: list[int]
    sent: list[int]


def import_job_sweep(*, now: datetime.datetime | None = None) -> ImportSweep:
    """Take back what no worker holds; run by every worker every IMPORT_SWEEP_SECONDS.

    - A running job whose lease ran out (its worker died: SIGKILL, out of memory, a deploy)
      goes back to queued and is sent again, or fails with a message after
      IMPORT_MAX_ATTEMPTS interrupted runs. Its import's transaction died with the worker's
      database connection, so nothing of it was saved.
    - A queued job that never reached the broker (it was down at upload) is sent, and so is
      one sent IMPORT_RESEND_AFTER_SECONDS ago and still not claimed (a broker restart may
      have lost the message).

    Every change is a conditional UPDATE, so sweeps running at once (several workers) and a
    duplicate message (the claim is conditional too) do no harm."""
    now = now or timezone.now()
    lease = datetime.timedelta(seconds=settings.IMPORT_LEASE_SECONDS)
    expired = ImportJob.objects.filter(status=ImportStatus.RUNNING).filter(
        Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True, started_at__lt=now - lease)
    )
    requeued, failed = [], []
    for job in expired.select_related("site"):
        held = ImportJob.objects.filter(
            pk=job.pk, status=ImportStatus.RUNNING, attempts=job.attempts
        )
        with transaction.atomic():
            if job.attempts >= settings.IMPORT_MAX_ATTEMPTS:
                if held.update(
                    status=ImportStatus.FAILED,
                    error=_interrupted_message(job),
                    finished_at=now,
                    lease_expires_at=None,
                ):
                    audit_record(actor=None, verb="import.interrupted", obj=job, site=job.site)
                    failed.append(job.pk)
            elif held.update(
                status=ImportStatus.QUEUED, progress=0, enqueued_at=None, lease_expires_at=None
            ):
                audit_record(actor=None, verb="import.requeue", obj=job, site=job.site)
                requeued.append(job.pk)
    resend_before = now - datetime.timedelta(seconds=settings.IMPORT_RESEND_AFTER_SECONDS)
    unsent = ImportJob.objects.filter(status=ImportStatus.QUEUED).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=resend_before)
    )
    sent = []
    for job_id in unsent.order_by("created_at", "pk").values_list("pk", flat=True):
        if not _publish(job_id):
            break  # the broker is still away; the next sweep tries again
        sent.append(job_id)
    return ImportSweep(requeued=requeued, failed=failed, sent=sent)


def import_job_purge_original(*, job: ImportJob, actor) -> ImportJob:
    """Delete the original upload from private storage (the imported text stays)."""
    if job.is_active and not job.is_stale:
        raise ApplicationError("Wait until the import has finished before deleting its file.")
    if not job.has_original:
        raise ApplicationError("The original file has already been deleted.")
    name = job.original.name
    with transaction.atomic():
        job.original = ""
        job.original_purged_at = timezone.now()
        job.save(update_fields=["original", "original_purged_at"])
        audit_record(actor=actor, verb="import.purge_original", obj=job, site=job.site)
        storage = private_storage()
        transaction.on_commit(lambda: storage.delete(name))
    return job


def _set_progress(job: ImportJob, progress: int) -> None:
    # Outside the import's transaction on purpose: the browser polls this while we work.
    # Run in the request itself (no broker), nobody can poll until the response: skip it.
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING, attempts=job.attempts).update(
        progress=progress
    )


def _read_original(job: ImportJob) -> bytes:
    if not job.has_original:
        raise ImportFailure(
            "The uploaded file is no longer available (it may have been deleted). Upload it again."
        )
    storage = private_storage()
    try:
        size = storage.size(job.original.name)
    except OSError:
        raise ImportFailure(
            "The uploaded file could not be found in storage. Upload it again."
        ) from None
    if size > settings.IMPORT_MAX_BYTES:
        raise ImportFailure(_too_big_message(size))
    with storage.open(job.original.name, "rb") as handle:
        return handle.read(settings.IMPORT_MAX_BYTES + 1)


def import_job_renew_lease(*, job_id: int, attempt: int) -> bool:
    """Extend the lease of the run that claimed `attempt`; False once the job is no longer
    that run's (finished, or taken back by the sweep)."""
    return bool(
        ImportJob.objects.filter(pk=job_id, status=ImportStatus.RUNNING, attempts=attempt).update(
            lease_expires_at=jobs.lease_end()
        )
    )


def _heartbeat(job: ImportJob) -> jobs.Heartbeat:
    job_id, attempt = job.pk, job.attempts
    return jobs.Heartbeat(
        f"import-job-{job_id}",
        lambda: import_job_renew_lease(job_id=job_id, attempt=attempt),
    )


class _TakenBack(Exception):
    """The sweep gave this run's job to another run; this run's work is rolled back."""


def _test_delay(turns: int) -> None:
    # IMPORT_TEST_DELAY_PER_TURN is 0 except in the worker test that kills a worker mid-import
    # (tests/fieldwork/test_import_recovery.py): it holds the import's transaction open.
    if settings.IMPORT_TEST_DELAY_PER_TURN:
        time.sleep(settings.IMPORT_TEST_DELAY_PER_TURN * turns)


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Claim a queued job and import it: the Source and all its rows land in one transaction
    or not at all. Returns None if the job was not queued (already claimed by another worker
    or a redelivered message), so running it twice does nothing.

    The run holds the job by a lease its heartbeat renews, and finishes it only if it still
    holds it (`attempts` is the fence): if the sweep took the job back meanwhile, this run's
    transaction rolls back, so a slow worker and its successor never both land a Source."""
    from celery.exceptions import SoftTimeLimitExceeded

    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING,
        started_at=now,
        finished_at=None,
        progress=5,
        attempts=F("attempts") + 1,
        error="",
        lease_expires_at=jobs.lease_end(now),
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("site", "source", "created_by").get(pk=job_id)
    with _heartbeat(job):
        try:
            data = _read_original(job)
            _set_progress(job, 20)
            parsed = _parse(data, job.filename)
            _set_progress(job, 60)
            with transaction.atomic():
                source = _import_parsed(job, parsed)
                _test_delay(len(parsed.turns))
                finished = ImportJob.objects.filter(
                    pk=job.pk, status=ImportStatus.RUNNING, attempts=job.attempts
                ).update(
                    status=ImportStatus.SUCCEEDED,
                    progress=100,
                    source=source,
                    format=parsed.format[:16],
                    finished_at=timezone.now(),
                    lease_expires_at=None,
                )
                if not finished:
                    raise _TakenBack
        except _TakenBack:
            logger.warning("Import job %s was taken back from this run; nothing saved", job_id)
        except ImportFailure as exc:
            _fail(job, str(exc))
        except ValidationError as exc:
            _fail(job, "The transcript could not be saved: " + "; ".join(exc.messages))
        except SoftTimeLimitExceeded:
            _fail(
                job,
                f"The import took longer than {settings.IMPORT_SOFT_TIME_LIMIT // 60} minutes "
                "and was stopped, and nothing was saved. Split the transcript into parts and "
                "upload them.",
            )
        except Exception:
            logger.exception("Import job %s failed unexpectedly", job_id)
            _fail(
                job,
                "Something unexpected went wrong while importing this file, and nothing was "
                "saved. Try again; if it fails again, tell the project lead (job "
                f"{job_id}).",
            )
    job.refresh_from_db()
    return job


def _fail(job: ImportJob, message: str) -> None:
    # Only the run that holds the job may fail it (see import_job_run).
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING, attempts=job.attempts).update(
        status=ImportStatus.FAILED,
        error=message,
        finished_at=timezone.now(),
        lease_expires_at=None,
    )


def _parse(data: bytes, filename: str):
    from .importers import TranscriptError, parse_transcript

    try:
        parsed = parse_transcript(
            data, filename, max_uncompressed_bytes=settings.IMPORT_MAX_UNCOMPRESSED_BYTES
        )
    except TranscriptError as exc:
        raise ImportFailure(str(exc)) from None
    if not any(turn.text.strip() for turn in parsed.turns):
        raise ImportFailure(f"“{filename}” contains no text to import.")
    return parsed


def _import_parsed(job: ImportJob, parsed) -> Source:
    site = job.site
    pseudonymise = Pseudonymiser(site.replacements.values_list("original", "pseudonym"))
    turns = [
        Turn(
            speaker=pseudonymise(turn.speaker.strip()),
            text=pseudonymise(turn.text),
            start_ms=turn.start_ms,
            end_ms=turn.end_ms,
        )
        for turn in parsed.turns
    ]
    options = job.options or {}
    actor = job.created_by
    if job.source_id:
        source = Source.objects.select_for_update().get(pk=job.source_id)
        if source.text:
            raise ImportFailure(
                f"“{source.title}” already has a transcript. Create a new interview for this "
                "file, or delete the existing one first."
            )
        _write_turns(source, turns)
    else:
        date = options.get("date")
        source = Source(
            site=site,
            kind=job.kind,
            title=(options.get("title") or os.path.splitext(job.filename)[0])[:300],
            date=datetime.date.fromisoformat(date) if date else None,
            created_by=actor,
        )
        _write_turns(source, turns)
        if job.kind == SourceKind.INTERVIEW:
            Interview.objects.create(
                source=source,
                mode=options.get("mode") or InterviewMode.INDIVIDUAL,
                recording_reference=options.get("recording_reference", "")[:200],
            )
        elif job.kind == SourceKind.DOCUMENT:
            FieldDocument.objects.create(
                source=source,
                document_type=options.get("document_type") or DocumentType.OTHER,
                author=options.get("author", "")[:200],
            )
        elif job.kind == SourceKind.OBSERVATION:
            Observation.objects.create(source=source)
    AnonymisationEntry.objects.bulk_create(
        AnonymisationEntry(
            source=source,
            original=original,
            pseudonym=pseudonymise.pairs[original.casefold()][1],
            count=count,
        )
        for original, count in sorted(pseudonymise.counts.items())
    )
    audit_record(
        actor=actor,
        verb="source.import",
        obj=source,
        site=site,
        changes={
            "file": job.filename,
            "format": parsed.format,
            "turns": source.segments.count(),
            "replacements": sum(pseudonymise.counts.values()),
        },
    )
    return source


def import_file(
    *,
    site: Site,
    actor,
    name: str,
    data: bytes,
    kind: str = SourceKind.INTERVIEW,
    options: dict | None = None,
) -> ImportJob:
    """Import bytes in this process, through the same job (used by the command and the demo).
    The job is run here rather than by a worker, whatever the Celery settings say."""
    job = import_job_create(
        site=site,
        actor=actor,
        file=ContentFile(data, name=name),
        kind=kind,
        options=options,
        enqueue=False,
    )
    if job.status == ImportStatus.QUEUED:
        job = import_job_run(job_id=job.pk) or job
    return job


# --- consent ------------------------------------------------------------------------------------


def consent_impact(participant: Participant) -> list[str]:
    """For sites.services.consent_impact_providers: what a withdrawal takes out of outputs."""
    lines = []
    for turns, what in (
        (Segment.objects.filter(participant=participant), "speaker turn"),
        (
            Segment.objects.filter(attributions__participant=participant).exclude(
                participant=participant
            ),
            "attributed field-note paragraph",
        ),
    ):
        count = turns.count()
        if count:
            sources = turns.values("source").distinct().count()
            lines.append(
                f"{count} {what}{'s' if count != 1 else ''} in {sources} "
                f"source{'s' if sources != 1 else ''}"
            )
    return lines
