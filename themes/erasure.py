"""Right to erasure: a withdrawn participant's words removed for good.

Withdrawing consent hides a participant's words from every output (`consent_filter`); erasing
them goes further and removes the words from the database and from private storage, keeping
the structure a reader needs to see that something was there:

* each of their turns keeps its place, speaker label and times, but its text (in
  `Source.text` and in the search copy `Segment.text`, whose PostgreSQL `search_vector` is a
  generated column and follows) becomes `ERASED_MARKER`;
* codings overlapping those turns are deleted (with their memos); every other coding of the
  source is carried over through `codings_reanchor`, the path every text edit takes. Its
  remap here is the exact offset shift of the known replacements rather than the character
  diff: the diff cannot tell two identical stretches apart (see fieldwork.reanchor), the
  shift is exact by construction;
* memos (on themes, sources and codings) and observation drafts that quote the words (any
  run of five words of a turn) have the quote replaced by the marker, and so do the memo
  texts kept in earlier audit events;
* the imported originals of the affected sources are purged from private storage, and the
  anonymisation log is recounted against the new text (a real name that only the erased
  turns contained leaves the log);
* one audit event says what was erased (counts, never words), when and by whom.

Lives in themes because it touches fieldwork's sources and themes' codings: apps import only
leftwards. Erases their turns (`Segment.participant`) and the paragraphs attributed to them
(`SegmentAttribution`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fieldwork.models import (
    AnonymisationEntry,
    ImportJob,
    Observation,
    Segment,
    SegmentAttribution,
    Source,
)
from fieldwork.models import private_storage as get_private_storage
from fieldwork.reanchor import Reanchored
from sites.access import ApplicationError
from sites.models import AuditEvent, Participant
from sites.services import audit_record

from .models import Coding, Memo
from .services import codings_reanchor

ERASED_MARKER = "[Words erased at the participant's request]"
ERASE_VERB = "participant.erase"
# Audit verbs whose `changes` hold memo text a researcher wrote (which may quote a turn).
MEMO_VERBS = ("memo.create", "memo.delete", "coding.memo")


@dataclass(frozen=True)
class ErasurePreview:
    """What an erasure would remove, shown on the confirmation page."""

    turns: int
    sources: int
    codings: int
    originals: int

    @property
    def nothing_to_erase(self) -> bool:
        return self.turns == 0


@dataclass(frozen=True)
class ErasureResult:
    turns: int
    sources: int
    codings_deleted: int
    codings_kept: int
    originals_purged: int
    quotes_removed: int
    anonymisation_entries_removed: int


def _turns_to_erase(participant: Participant):
    """Their turns, and the field-note paragraphs attributed to them (what they said or did,
    written down by a researcher: their words as much as a turn is)."""
    return (
        Segment.objects.filter(
            Q(participant=participant) | Q(attributions__participant=participant)
        )
        .exclude(text=ERASED_MARKER)
        .distinct()
    )


def _overlap(turns: list[tuple[int, int]]) -> Q:
    condition = Q(pk__in=[])
    for start, end in turns:
        if end > start:  # an empty turn holds no words a coding could be on
            condition |= Q(start__lt=end, end__gt=start)
    return condition


def participant_erasure_preview(*, participant: Participant) -> ErasurePreview:
    turns = list(_turns_to_erase(participant).values_list("source_id", "start", "end"))
    by_source: dict[int, list[tuple[int, int]]] = {}
    for source_id, start, end in turns:
        by_source.setdefault(source_id, []).append((start, end))
    codings = 0
    for source_id, ranges in by_source.items():
        codings += Coding.objects.filter(_overlap(ranges), source_id=source_id).count()
    originals = (
        ImportJob.objects.filter(source_id__in=by_source, original_purged_at__isnull=True)
        .exclude(original="")
        .count()
    )
    return ErasurePreview(len(turns), len(by_source), codings, originals)


_WORD = re.compile(r"\S+")
_PUNCTUATION = "\"'“”‘’()[]{}<>.,;:!?…-–—*_"


def _norm(token: str) -> str:
    return token.strip(_PUNCTUATION).casefold()


class QuoteScrubber:
    """Finds quotes of the erased turns in researchers' texts: any run of `QUOTE_WORDS`
    consecutive words of a turn (ignoring case and surrounding punctuation), so a memo that
    pasted part of a sentence loses it too. Matched runs, merged, become the marker."""

    QUOTE_WORDS = 5

    def __init__(self, turns: list[str]) -> None:
        self.windows: set[tuple[str, ...]] = set()
        n = self.QUOTE_WORDS
        for turn in turns:
            words = [_norm(w) for w in _WORD.findall(turn)]
            words = [w for w in words if w]
            self.windows.update(tuple(words[i : i + n]) for i in range(len(words) - n + 1))

    def __call__(self, value):
        """(value with quotes replaced, how many runs were replaced); recurses into the lists
        and dicts of audit changes."""
        if isinstance(value, str):
            return self._scrub_text(value)
        if isinstance(value, list):
            items, total = [], 0
            for item in value:
                item, n = self(item)
                items.append(item)
                total += n
            return items, total
        if isinstance(value, dict):
            result, total = {}, 0
            for key, item in value.items():
                result[key], n = self(item)
                total += n
            return result, total
        return value, 0

    def _scrub_text(self, text: str) -> tuple[str, int]:
        if not self.windows or not text:
            return text, 0
        tokens = [m for m in _WORD.finditer(text) if _norm(m.group())]
        words = [_norm(m.group()) for m in tokens]
        n, spans = self.QUOTE_WORDS, []
        for i in range(len(words) - n + 1):
            if tuple(words[i : i + n]) in self.windows:
                start, end = tokens[i].start(), tokens[i + n - 1].end()
                if spans and start <= spans[-1][1]:
                    spans[-1] = (spans[-1][0], end)
                else:
                    spans.append((start, end))
        for start, end in reversed(spans):
            text = text[:start] + ERASED_MARKER + text[end:]
        return text, len(spans)


def _scrub_quotes(scrub: QuoteScrubber, site_id: int) -> int:
    """Replace quotes of the erased turns wherever researchers may have pasted them: memos
    (the site's and the project-wide theme memos), coding memos, observation drafts, and the
    memo texts audit events keep. Scanned in Python: a quote is any run of words, which no
    portable database lookup finds."""
    if not scrub.windows:
        return 0
    removed = 0
    for memo in Memo.objects.filter(Q(site_id=site_id) | Q(site__isnull=True)).only("text"):
        memo.text, n = scrub(memo.text)
        if n:
            memo.save(update_fields=["text"])
            removed += n
    for coding in Coding.objects.filter(site_id=site_id).exclude(memo="").only("memo"):
        coding.memo, n = scrub(coding.memo)
        if n:
            coding.save(update_fields=["memo"])
            removed += n
    observations = Observation.objects.filter(source__site_id=site_id).exclude(draft_notes="")
    for observation in observations.only("draft_notes"):
        observation.draft_notes, n = scrub(observation.draft_notes)
        if n:
            observation.save(update_fields=["draft_notes"])
            removed += n
    events = AuditEvent.objects.filter(Q(site_id=site_id) | Q(site__isnull=True))
    for event in events.filter(verb__in=MEMO_VERBS).only("changes", "object_repr"):
        changes, n = scrub(event.changes)
        # A memo's str() starts with its text, so its events' object_repr may quote too.
        object_repr, m = scrub(event.object_repr)
        if n or m:
            AuditEvent.objects.filter(pk=event.pk).update(
                changes=changes, object_repr=object_repr[:300]
            )
            removed += n + m
    return removed


def _shift_remap(replaced: list[tuple[int, int]], new_length: int):
    """The exact remap of ranges over the replacement of each `[start, end)` in `replaced`
    (sorted, disjoint) by the marker. Ranges overlapping a replaced turn were deleted before."""
    delta_at = []  # (old end of a replaced turn, cumulative shift after it)
    shift = 0
    for start, end in replaced:
        shift += len(ERASED_MARKER) - (end - start)
        delta_at.append((end, shift))

    def move(offset: int) -> int:
        moved = 0
        for end, cumulative in delta_at:
            if end <= offset:
                moved = cumulative
            else:
                break
        return offset + moved

    def remap(anchors) -> list[Reanchored]:
        results = []
        for anchor in anchors:
            start, end = move(anchor.start), move(anchor.end)
            status = "kept" if (start, end) == (anchor.start, anchor.end) else "moved"
            results.append(Reanchored(anchor.key, start, min(end, new_length), status))
        return results

    return move, remap


def _erase_in_source(source: Source, participant_id: int) -> tuple[int, int, int, list[str]]:
    """Erase one source's turns of the participant; returns (turns, codings deleted,
    codings kept, the erased turns' texts)."""
    old_text = source.text
    segments = list(source.segments.order_by("start", "order"))
    attributed = set(
        SegmentAttribution.objects.filter(
            participant_id=participant_id, segment__source=source
        ).values_list("segment_id", flat=True)
    )
    targets = [s for s in segments if s.participant_id == participant_id or s.pk in attributed]
    targets = [s for s in targets if old_text[s.start : s.end] != ERASED_MARKER]
    if not targets:
        return 0, 0, 0, []
    replaced = [(s.start, s.end) for s in targets]
    quotes = [old_text[s.start : s.end] for s in targets]
    _total, per_model = Coding.objects.filter(_overlap(replaced), source=source).delete()
    deleted = per_model.get(Coding._meta.label, 0)
    kept = Coding.objects.filter(source=source).count()

    pieces, position = [], 0
    for start, end in replaced:
        pieces += [old_text[position:start], ERASED_MARKER]
        position = end
    pieces.append(old_text[position:])
    new_text = "".join(pieces)
    move, remap = _shift_remap(replaced, len(new_text))

    source.text = new_text
    source.save(update_fields=["text", "updated_at"])
    target_pks = {s.pk for s in targets}
    for segment in segments:
        if segment.pk in target_pks:
            segment.start = move(segment.start)
            segment.end = segment.start + len(ERASED_MARKER)
        else:
            segment.start, segment.end = move(segment.start), move(segment.end)
        segment.text = new_text[segment.start : segment.end]
    Segment.objects.bulk_update(segments, ["start", "end", "text"], batch_size=500)
    codings_reanchor(source=source, old_text=old_text, remap=remap)
    return len(targets), deleted, kept, quotes


def _recount_anonymisation_log(source: Source) -> int:
    """Entries whose pseudonym no longer appears as often as logged are reduced, and removed
    when it no longer appears at all (the real name was only in the erased words)."""
    removed = 0
    for entry in AnonymisationEntry.objects.filter(source=source):
        present = source.text.count(f"[{entry.pseudonym}]")
        if present == 0:
            entry.delete()
            removed += 1
        elif present < entry.count:
            entry.count = present
            entry.save(update_fields=["count"])
    return removed


def _purge_originals(source_ids: list[int]) -> int:
    jobs = list(
        ImportJob.objects.select_for_update()
        .filter(source_id__in=source_ids, original_purged_at__isnull=True)
        .exclude(original="")
    )
    storage = get_private_storage()
    names = [job.original.name for job in jobs]
    now = timezone.now()
    for job in jobs:
        job.original = ""
        job.original_purged_at = now
    ImportJob.objects.bulk_update(jobs, ["original", "original_purged_at"])

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    # After commit: a rolled-back erasure must leave the originals where they were.
    transaction.on_commit(delete_files)
    return len(jobs)


def participant_erase(*, participant: Participant, actor) -> ErasureResult:
    """Erase a withdrawn participant's words everywhere (see the module docstring). Only a
    participant whose latest decision withdraws or declines taking part or quotation can be
    erased; permission (leads only) is checked by the view."""
    withdrawn = Participant.objects.filter(pk=participant.pk).excluded_by_consent().exists()
    if not withdrawn:
        raise ApplicationError(
            f"{participant.pseudonym} has not withdrawn consent, so their words cannot be "
            "erased. Record the withdrawal first."
        )
    with transaction.atomic():
        source_ids = sorted(_turns_to_erase(participant).values_list("source_id", flat=True))
        source_ids = list(dict.fromkeys(source_ids))
        if not source_ids:
            raise ApplicationError(f"No words of {participant.pseudonym} are left to erase.")
        # Lock the sources: an edit or an import landing mid-erasure must wait for it.
        sources = list(Source.objects.select_for_update().filter(pk__in=source_ids).order_by("pk"))
        turns = codings_deleted = codings_kept = entries_removed = 0
        quotes: list[str] = []
        for source in sources:
            n_turns, n_deleted, n_kept, source_quotes = _erase_in_source(source, participant.pk)
            turns += n_turns
            codings_deleted += n_deleted
            codings_kept += n_kept
            quotes += source_quotes
            entries_removed += _recount_anonymisation_log(source)
        originals = _purge_originals(source_ids)
        quotes_removed = _scrub_quotes(QuoteScrubber(quotes), participant.site_id)
        result = ErasureResult(
            turns=turns,
            sources=len(sources),
            codings_deleted=codings_deleted,
            codings_kept=codings_kept,
            originals_purged=originals,
            quotes_removed=quotes_removed,
            anonymisation_entries_removed=entries_removed,
        )
        audit_record(
            actor=actor,
            verb=ERASE_VERB,
            obj=participant,
            site=participant.site,
            changes={
                "turns erased": turns,
                "sources": len(sources),
                "codings deleted": codings_deleted,
                "codings re-anchored": codings_kept,
                "original files purged": originals,
                "quotes removed from memos": quotes_removed,
                "anonymisation log entries removed": entries_removed,
            },
        )
    return result
