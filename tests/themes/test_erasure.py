"""Right to erasure: a lead erases a withdrawn participant's words for good."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection, models
from django.urls import reverse

from fieldwork import services as fieldwork_services
from fieldwork.models import AnonymisationEntry, ImportJob, Segment, Source
from fieldwork.search import search_segments
from sites.access import ApplicationError
from sites.models import AuditEvent, ConsentScope
from tests.factories import ParticipantFactory, give_full_consent
from themes import services
from themes.erasure import ERASED_MARKER, participant_erase, participant_erasure_preview
from themes.models import Coding, Memo

from .conftest import withdraw
from .factories import ThemeFactory

pytestmark = pytest.mark.django_db

WENDY_TURN = "Strictly we shouldn't, but I rang Margaret at the school nurse service myself."
ERASED_WORDS = [
    "Strictly we shouldn't",
    "school nurse service myself",
    "rang [Nurse A] at the school",
]
TRANSCRIPT = (
    "Interviewer: Who do you ring when a referral comes in?\n\n"
    "Helen: We sit together in the same office now, so I just walk over.\n\n"
    f"Wendy: {WENDY_TURN}\n\n"
    "Helen: It is the child's trajectory that matters to us.\n\n"
    "Wendy: Short.\n"
).encode()


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }
    return tmp_path / "private"


@pytest.fixture
def erasable(site_a, researcher):
    """An imported interview with Helen and Wendy (Wendy withdrawn), a replacement applied to
    Wendy's words, codings on both, a memo quoting Wendy, and the original kept."""
    helen = give_full_consent(ParticipantFactory(site=site_a, pseudonym="Helen"))
    wendy = give_full_consent(ParticipantFactory(site=site_a, pseudonym="Wendy"))
    fieldwork_services.replacement_create(
        site=site_a, actor=researcher, original="Margaret", pseudonym="Nurse A"
    )
    job = fieldwork_services.import_file(
        site=site_a, actor=researcher, name="Interview Wendy.txt", data=TRANSCRIPT
    )
    source = job.source
    assert job.has_original and AnonymisationEntry.objects.filter(source=source).exists()
    turns = {s.order: s for s in source.segments.all()}
    assert turns[2].participant == wendy and "[Nurse A]" in turns[2].text
    theme, other = ThemeFactory(name="Rule-bending"), ThemeFactory(name="Co-location")

    def code(turn, words, theme=theme, memo=""):
        start = source.text.index(words, turns[turn].start)
        return services.coding_create(
            source=source,
            theme=theme,
            coder=researcher,
            start=start,
            end=start + len(words),
            memo=memo,
        )

    on_wendy = code(2, "rang [Nurse A]", memo="She said: Strictly we shouldn't, but I rang")
    helen_before = code(1, "same office", other)
    helen_after = code(3, "child's trajectory", other)
    across = services.coding_create(
        source=source,
        theme=other,
        coder=researcher,
        start=turns[1].start,
        end=turns[3].end,
    )
    services.memo_create(author=researcher, source=source, text=f"Key quote: “{WENDY_TURN}”")
    services.memo_create(author=researcher, theme=theme, text="Strictly we shouldn't, but I rang")
    withdraw(wendy)
    return {
        "source": source,
        "job": job,
        "helen": helen,
        "wendy": wendy,
        "on_wendy": on_wendy,
        "across": across,
        "kept": {c.pk: source.text[c.start : c.end] for c in (helen_before, helen_after)},
    }


def every_text_value():
    """Every value of every text, char and JSON column of every model."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                for value in model._default_manager.values_list(field.attname, flat=True):
                    yield model, field.name, value or ""
            elif isinstance(field, models.JSONField):
                for value in model._default_manager.values_list(field.attname, flat=True):
                    yield model, field.name, json.dumps(value, ensure_ascii=False)


def assert_words_nowhere(private_media: Path) -> None:
    for model, field, value in every_text_value():
        for words in ERASED_WORDS:
            assert words not in value, f"{model._meta.label}.{field} still holds {words!r}"
    for path in private_media.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(w.encode() in data for w in ERASED_WORDS), f"{path} holds the words"


def test_erasure_removes_the_words_from_every_table_and_storage(
    erasable, lead, private_media, django_capture_on_commit_callbacks
):
    source, wendy = erasable["source"], erasable["wendy"]
    assert any(p.is_file() for p in private_media.rglob("*"))
    with django_capture_on_commit_callbacks(execute=True):
        result = participant_erase(participant=wendy, actor=lead)

    assert (result.turns, result.sources, result.codings_deleted) == (2, 1, 2)
    assert result.originals_purged == 1 and result.quotes_removed >= 3
    assert_words_nowhere(private_media)
    source.refresh_from_db()
    wendy_turns = list(Segment.objects.filter(participant=wendy))
    assert [s.text for s in wendy_turns] == [ERASED_MARKER, ERASED_MARKER]
    assert all(source.text[s.start : s.end] == ERASED_MARKER for s in source.segments.all()[2:3])
    assert all(source.text[s.start : s.end] == s.text for s in source.segments.all())
    # The turns keep their place and speaker.
    assert [s.speaker for s in source.segments.order_by("order")] == [
        "Interviewer",
        "Helen",
        "Wendy",
        "Helen",
        "Wendy",
    ]
    # The anonymisation log no longer names someone only the erased words mentioned.
    assert not AnonymisationEntry.objects.filter(source=source, original="Margaret").exists()
    job = ImportJob.objects.get(pk=erasable["job"].pk)
    assert not job.has_original and job.original_purged_at is not None


def test_other_codings_on_the_source_keep_their_words(erasable, lead):
    participant_erase(participant=erasable["wendy"], actor=lead)
    source = Source.objects.get(pk=erasable["source"].pk)
    assert not Coding.objects.filter(pk__in=[erasable["on_wendy"].pk, erasable["across"].pk])
    for pk, words in erasable["kept"].items():
        coding = Coding.objects.get(pk=pk)
        assert source.text[coding.start : coding.end] == words
        assert not coding.needs_review
        assert coding.participant == erasable["helen"]


def test_erased_words_are_not_found_by_search(erasable, lead, researcher):
    participant_erase(participant=erasable["wendy"], actor=lead)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM fieldwork_segment "
                "WHERE search_vector @@ websearch_to_tsquery('english', %s)",
                ["strictly nurse"],
            )
            assert cursor.fetchone()[0] == 0
            cursor.execute(
                "SELECT count(*) FROM fieldwork_segment "
                "WHERE search_vector @@ websearch_to_tsquery('english', %s)",
                ["trajectory"],
            )
            assert cursor.fetchone()[0] == 1
    assert not Segment.objects.filter(text__icontains="strictly").exists()
    # Even with consent given again, search has nothing of the erased words to find.
    for scope in ConsentScope.values:
        from tests.factories import ConsentRecordFactory

        ConsentRecordFactory(participant=erasable["wendy"], scope=scope, decision="given")
    assert search_segments(user=researcher, query="strictly").total == 0
    assert search_segments(user=researcher, query="trajectory").total == 1


def test_erasure_audit_event_says_what_when_and_who_without_the_words(erasable, lead):
    participant_erase(participant=erasable["wendy"], actor=lead)
    event = AuditEvent.objects.get(verb="participant.erase")
    assert event.actor == lead and event.site == erasable["source"].site and event.at
    assert event.object_id == str(erasable["wendy"].pk)
    assert event.changes["turns erased"] == 2 and event.changes["codings deleted"] == 2
    dumped = json.dumps(event.changes)
    assert not any(w in dumped for w in ERASED_WORDS)


def test_erasure_refuses_a_participant_who_has_not_withdrawn(erasable, lead):
    helen = erasable["helen"]
    with pytest.raises(ApplicationError, match="has not withdrawn"):
        participant_erase(participant=helen, actor=lead)
    assert "same office" in Source.objects.get(pk=erasable["source"].pk).text
    assert not AuditEvent.objects.filter(verb="participant.erase").exists()


def test_erasing_twice_says_nothing_is_left(erasable, lead):
    participant_erase(participant=erasable["wendy"], actor=lead)
    with pytest.raises(ApplicationError, match="left to erase"):
        participant_erase(participant=erasable["wendy"], actor=lead)
    assert participant_erasure_preview(participant=erasable["wendy"]).nothing_to_erase


def test_erasure_of_a_quotation_withdrawal_also_counts(site_a, lead, researcher):
    sam = ParticipantFactory(site=site_a, pseudonym="Sam")
    data = b"Interviewer: Anything else?\n\nSam: Quote me never please.\n\nInterviewer: Fine.\n"
    job = fieldwork_services.import_file(site=site_a, actor=researcher, name="t.txt", data=data)
    withdraw(sam, scope=ConsentScope.QUOTATION)
    participant_erase(participant=sam, actor=lead)
    text = Source.objects.get(pk=job.source_id).text
    assert text == f"Anything else?\n\n{ERASED_MARKER}\n\nFine."


# --- the page -----------------------------------------------------------------------------


def erase_url(participant) -> str:
    return reverse("themes:participant-erase", args=[participant.site.code, participant.pk])


def test_lead_sees_what_erasure_removes_and_confirms_by_typing_the_pseudonym(
    erasable, client_for, site_lead
):
    wendy = erasable["wendy"]
    client = client_for(site_lead)
    detail = client.get(wendy.get_absolute_url())
    assert erase_url(wendy) in detail.text
    page = client.get(erase_url(wendy))
    assert page.status_code == 200
    assert "2 speaker turns in 1 source" in page.text and "2 codings" in page.text
    response = client.post(erase_url(wendy), {"pseudonym": "wendy"})
    assert response.status_code == 302 and response["Location"] == wendy.get_absolute_url()
    assert Segment.objects.filter(participant=wendy, text=ERASED_MARKER).count() == 2
    followed = client.get(wendy.get_absolute_url())
    assert "Their words were erased on" in followed.text


def test_wrong_pseudonym_is_refused_in_plain_words_and_erases_nothing(
    erasable, client_for, site_lead
):
    wendy = erasable["wendy"]
    response = client_for(site_lead).post(erase_url(wendy), {"pseudonym": "Helen"})
    assert response.status_code == 200
    assert "Type the pseudonym exactly" in response.text
    assert WENDY_TURN.split(",")[0] in Source.objects.get(pk=erasable["source"].pk).text
    assert not AuditEvent.objects.filter(verb="participant.erase").exists()


def test_erasure_page_for_a_consenting_participant_offers_no_button(
    erasable, client_for, site_lead
):
    helen = erasable["helen"]
    client = client_for(site_lead)
    assert erase_url(helen) not in client.get(helen.get_absolute_url()).text
    page = client.get(erase_url(helen))
    assert (
        "has not withdrawn consent" in page.text and "Erase their words for good" not in page.text
    )
    response = client.post(erase_url(helen), {"pseudonym": "Helen"})
    assert response.status_code == 200
    assert "same office" in Source.objects.get(pk=erasable["source"].pk).text


def test_researcher_may_not_erase(erasable, client_for, researcher):
    wendy = erasable["wendy"]
    client = client_for(researcher)
    assert erase_url(wendy) not in client.get(wendy.get_absolute_url()).text
    assert client.get(erase_url(wendy)).status_code == 403
    assert client.post(erase_url(wendy), {"pseudonym": "Wendy"}).status_code == 403
    assert Segment.objects.filter(participant=wendy, text=ERASED_MARKER).count() == 0


def test_outsider_gets_404_and_anonymous_goes_to_login(erasable, client_for, outsider, client):
    wendy = erasable["wendy"]
    assert client_for(outsider).post(erase_url(wendy), {"pseudonym": "Wendy"}).status_code == 404
    response = client.post(erase_url(wendy), {"pseudonym": "Wendy"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert Segment.objects.filter(participant=wendy, text=ERASED_MARKER).count() == 0


def test_erase_page_answers_only_get_and_post(erasable, client_for, site_lead):
    assert client_for(site_lead).put(erase_url(erasable["wendy"])).status_code == 405
    assert Memo.objects.count() == 2


def test_field_note_paragraphs_attributed_to_them_are_erased_too(site_a, researcher, lead):
    rosa = give_full_consent(ParticipantFactory(site=site_a, pseudonym="Rosa"))
    notes = fieldwork_services.source_create(
        site=site_a,
        kind="observation",
        title="Field notes: duty desk",
        actor=researcher,
        text="The team met at nine.\n\nRosa said the duty rota never works on Fridays.",
    )
    first, reported = list(notes.segments.order_by("order"))
    fieldwork_services.segment_attribute(segment=reported, participants=[rosa], actor=researcher)
    kept = services.coding_create(
        source=notes, theme=ThemeFactory(), coder=researcher, start=0, end=len("The team met")
    )
    withdraw(rosa)
    result = participant_erase(participant=rosa, actor=lead)
    assert (result.turns, result.sources) == (1, 1)
    notes.refresh_from_db()
    assert "duty rota never works" not in notes.text
    assert Segment.objects.get(pk=reported.pk).text == ERASED_MARKER
    kept.refresh_from_db()
    assert notes.text[kept.start : kept.end] == "The team met"
