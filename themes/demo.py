"""Demo data for themes: the study's codebook (DOMAIN A8), plausible codings of the demo
fieldwork by two coders ('researcher' and 'lead'), memos, and a blind agreement exercise.

`seed(context)` is called by `manage.py seed_demo` after sites and fieldwork. Idempotent.
With context["scale"] == "large" it also builds the benchmark project (`seed_large`).
"""

from __future__ import annotations

import datetime
import random
import time

from django.db import connection, transaction
from django.db.models import Count

from fieldwork.models import Segment, Source, SourceKind
from sites.models import (
    ConsentDecision,
    ConsentRecord,
    ConsentScope,
    Level,
    Participant,
    Profession,
    Site,
)

from .codebook import walk
from .models import AgreementExercise, Coding, Memo, Theme
from .services import exercise_create, memo_create, theme_create

# Words that suggest a theme in the demo transcripts (lower case).
KEYWORDS = {
    "co-location": ["same office", "same room", "sit together", "co-located", "corridor", "desk"],
    "identities": ["any more", "my role", "identity", "who i am", "i used to be", "social worker"],
    "division-of-labour": ["case", "chair", "referral", "hold", "responsib", "manager"],
    "expertise": ["expert", "specialist", "training", "assessment", "knowledge"],
    "relational-agency": ["together", "joint", "agreed", "negotiat", "we worked"],
    "common-knowledge": ["what matters", "for the school", "for health", "priorit"],
    "knowing-who": ["rang", "phone", "contact", "knew who", "who to ask"],
    "rule-bending": ["shouldn't", "strictly", "procedure", "rules", "form"],
    "boundary-objects": ["form", "plan", "caf", "file", "record"],
    "knotworking": ["whoever", "quickly", "pulled together", "emergency"],
    "questioning": ["why do we", "doesn't work", "not working", "problem"],
    "rules": ["threshold", "protocol", "policy", "rule"],
    "instruments": ["database", "meeting", "form", "tool"],
    "secondary": ["but the", "however", "conflict", "tension"],
}


def _seed_codebook() -> int:
    created = 0
    by_key = {t.seed_key: t for t in Theme.objects.exclude(seed_key="")}
    for code, parent_key, order in walk():
        if code.key in by_key:
            continue
        existing = Theme.objects.filter(name__iexact=code.name).first()
        if existing is not None:
            by_key[code.key] = existing
            continue
        by_key[code.key] = theme_create(
            actor=None,
            name=code.name,
            parent=by_key.get(parent_key),
            definition=code.definition,
            inclusion=code.inclusion,
            exclusion=code.exclusion,
            example=code.example,
            colour=code.colour,
            codable=code.codable,
            order=order,
            seed_key=code.key,
        )
        created += 1
    return created


def _sentence_span(text: str, start: int, end: int, index: int) -> tuple[int, int]:
    """The sentence around `index` within text[start:end], as absolute offsets."""
    left = max(text.rfind(". ", start, index), text.rfind("? ", start, index))
    s = left + 2 if left >= start else start
    right_candidates = [
        p for p in (text.find(". ", index, end), text.find("? ", index, end)) if p != -1
    ]
    e = min(right_candidates) + 1 if right_candidates else end
    return s, max(e, s + 1)


def _plan_codings(source: Source, segments: list[Segment], themes: dict, rng: random.Random):
    """(theme, start, end) a careful coder would plausibly apply to this source."""
    text = source.text
    plan = []
    emerging = [themes[k] for k in ("co-location", "identities", "division-of-labour", "expertise")]
    for seg in segments:
        body = text[seg.start : seg.end].lower()
        if not body.strip():
            continue
        hits = 0
        for key, words in KEYWORDS.items():
            theme = themes.get(key)
            if theme is None:
                continue
            for word in words:
                index = body.find(word)
                if index != -1:
                    s, e = _sentence_span(text, seg.start, seg.end, seg.start + index)
                    plan.append((theme, s, min(e, seg.end)))
                    hits += 1
                    break
            if hits >= 3:
                break
        if not hits and rng.random() < 0.35:
            plan.append((rng.choice(emerging), seg.start, seg.end))
    if not segments and text:
        plan.append((rng.choice(emerging), 0, min(len(text), 400)))
    return plan


def _bulk_codings(rows, segments_by_source) -> list[Coding]:
    objs = []
    for source, theme, coder, start, end, memo in rows:
        if not (0 <= start < end <= len(source.text)):
            continue
        participant_id = next(
            (
                s.participant_id
                for s in segments_by_source.get(source.pk, [])
                if s.start < end and s.end > start and s.participant_id
            ),
            None,
        )
        objs.append(
            Coding(
                source=source,
                site_id=source.site_id,
                theme=theme,
                coder=coder,
                start=start,
                end=end,
                memo=memo,
                participant_id=participant_id,
            )
        )
    return Coding.objects.bulk_create(objs, batch_size=1000)


@transaction.atomic
def seed(context: dict) -> str:
    created_themes = _seed_codebook()
    summary = [f"{created_themes} new themes"]
    users = context.get("users") or {}
    sites = context.get("sites") or []
    researcher, lead = users.get("researcher"), users.get("lead")
    if researcher and lead and sites:
        summary.append(_seed_codings(sites=sites, researcher=researcher, lead=lead))
    if context.get("scale") == "large":
        summary.append(seed_large(stdout=context.get("stdout")))
    return "; ".join(summary)


def _seed_codings(*, sites, researcher, lead) -> str:
    sources = list(
        Source.objects.filter(site__in=sites).select_related("site").order_by("site__name", "pk")
    )
    if not sources:
        return "no fieldwork sources to code"
    if Coding.objects.filter(source__in=sources, coder__in=[researcher, lead]).exists():
        return "codings already seeded"
    themes = {t.seed_key: t for t in Theme.objects.exclude(seed_key="")}
    segments_by_source: dict[int, list[Segment]] = {}
    for seg in Segment.objects.filter(source__in=sources).order_by("source_id", "start"):
        segments_by_source.setdefault(seg.source_id, []).append(seg)
    researcher_sites = {m.site_id for m in researcher.memberships.all() if m.site_id}
    rows = []
    agreement_sources: dict[int, list[Source]] = {}
    memo_texts = [
        "Clear instance; compare with the team meeting observation.",
        "Ambiguous: could also be read as rule-bending.",
        "Good candidate for mirror data in the first workshop.",
        "",
        "",
        "",
    ]
    for source in sources:
        rng = random.Random(f"themes-{source.pk}-{source.title}")
        plan = _plan_codings(source, segments_by_source.get(source.pk, []), themes, rng)
        codes_here = source.site_id in researcher_sites
        double = codes_here and len(agreement_sources.get(source.site_id, [])) < 2
        if double:
            agreement_sources.setdefault(source.site_id, []).append(source)
        for theme, start, end in plan:
            memo = rng.choice(memo_texts)
            if codes_here:
                rows.append((source, theme, researcher, start, end, memo))
            # The lead codes everything; on the agreement sources independently, agreeing
            # with the researcher most of the time.
            if not codes_here or double:
                if rng.random() < 0.8:
                    rows.append((source, theme, lead, start, end, ""))
            elif rng.random() < 0.15:
                rows.append((source, theme, lead, start, end, "Second reading."))
        if double:
            for seg in segments_by_source.get(source.pk, [])[::5]:
                if seg.end > seg.start:
                    rows.append((source, themes["relational-agency"], lead, seg.start, seg.end, ""))
    created = _bulk_codings(rows, segments_by_source)
    exercises = 0
    for chosen in agreement_sources.values():
        site = chosen[0].site
        name = f"Double coding at {site.name}"
        if not AgreementExercise.objects.filter(site=site, name=name).exists():
            exercise_create(
                site=site,
                name=name,
                sources=chosen,
                coders=[researcher, lead],
                actor=lead,
                blind=True,
            )
            exercises += 1
    if not Memo.objects.exists():
        memo_create(
            author=lead,
            text="Co-location appears across all sites but means different things: shared "
            "space at Northbrook, shared referral route at Westvale.",
            theme=themes["co-location"],
        )
        memo_create(
            author=researcher,
            text="Rich on divisions of labour; the chair's role is contested.",
            source=sources[0],
        )
    return f"{len(created)} codings on {len(sources)} sources, {exercises} agreement exercises"


# --- benchmark scale --------------------------------------------------------------------

LARGE_SITES = 20
LARGE_SOURCES_PER_SITE = 100
LARGE_WORDS_PER_SOURCE = 8000
LARGE_TURN_WORDS = 100
LARGE_CODINGS_PER_SOURCE = 100
VOCABULARY = (
    "the",
    "child",
    "school",
    "team",
    "referral",
    "case",
    "meeting",
    "plan",
    "we",
    "they",
    "social",
    "worker",
    "health",
    "visitor",
    "teacher",
    "parent",
    "family",
    "agency",
    "manager",
    "support",
    "form",
    "record",
    "threshold",
    "protocol",
    "together",
    "office",
    "room",
    "shared",
    "knowledge",
    "expertise",
    "role",
    "identity",
    "assessment",
    "what",
    "matters",
    "rang",
    "phone",
    "whoever",
    "quickly",
    "strictly",
    "procedure",
    "rules",
    "database",
    "tool",
    "outcome",
    "object",
    "community",
    "labour",
    "and",
    "but",
    "so",
    "because",
    "when",
    "if",
    "then",
    "really",
    "just",
    "think",
    "know",
    "said",
    "would",
    "could",
    "about",
    "with",
    "for",
)


def _say(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message)


def seed_large(*, stdout=None) -> str:
    """20 sites, 2,000 sources of ~8,000 words (~16 million words), ~160,000 turns and
    200,000 codings, written with bulk_create in batches. Idempotent per site."""
    from django.contrib.auth import get_user_model

    started = time.monotonic()
    User = get_user_model()
    coders = [
        User.objects.get_or_create(username=name, defaults={"email": f"{name}@example.org"})[0]
        for name in ("bench-coder-1", "bench-coder-2")
    ]
    _seed_codebook()
    themes = list(Theme.objects.codable())
    professions = list(Profession.objects.all()) or [Profession.objects.create(name="Social work")]
    kinds = [k for k, _ in SourceKind.choices]
    built = 0
    for n in range(1, LARGE_SITES + 1):
        code = f"bench-{n:02d}"
        site, _ = Site.objects.get_or_create(
            code=code,
            defaults={"name": f"Benchmark site {n:02d}", "local_authority": f"Bench LA {n:02d}"},
        )
        if Source.objects.filter(site=site).count() >= LARGE_SOURCES_PER_SITE:
            continue
        rng = random.Random(code)
        participants = [
            Participant.objects.get_or_create(
                site=site,
                pseudonym=f"P{n:02d}-{i:02d}",
                defaults={
                    "profession": professions[i % len(professions)],
                    "level": Level.STRATEGIC if i % 5 == 0 else Level.OPERATIONAL,
                },
            )[0]
            for i in range(15)
        ]
        # One participant per site has withdrawn, so every output filters for real.
        ConsentRecord.objects.get_or_create(
            participant=participants[7],
            scope=ConsentScope.PARTICIPATION,
            decision=ConsentDecision.WITHDRAWN,
            defaults={"effective_date": datetime.date(2006, 3, 1)},
        )
        with transaction.atomic():
            sources = []
            turn_specs = []
            for s in range(LARGE_SOURCES_PER_SITE):
                turns = []
                text_parts = []
                position = 0
                for t in range(LARGE_WORDS_PER_SOURCE // LARGE_TURN_WORDS):
                    body = " ".join(rng.choices(VOCABULARY, k=LARGE_TURN_WORDS)).capitalize() + "."
                    if text_parts:
                        text_parts.append("\n\n")
                        position += 2
                    turns.append((t, position, position + len(body)))
                    text_parts.append(body)
                    position += len(body)
                day = datetime.date(2004, 3, 1) + datetime.timedelta(days=rng.randrange(0, 1400))
                sources.append(
                    Source(
                        site=site,
                        kind=kinds[s % len(kinds)],
                        title=f"{code} source {s:03d}",
                        date=day,
                        text="".join(text_parts),
                    )
                )
                turn_specs.append(turns)
            Source.objects.bulk_create(sources, batch_size=50)
            segments = []
            for source, turns in zip(sources, turn_specs, strict=True):
                for order, start, end in turns:
                    segments.append(
                        Segment(
                            source=source,
                            order=order,
                            speaker=participants[order % len(participants)].pseudonym,
                            participant=participants[order % len(participants)],
                            start=start,
                            end=end,
                            text=source.text[start:end],
                        )
                    )
            Segment.objects.bulk_create(segments, batch_size=2000)
            codings = []
            for source, turns in zip(sources, turn_specs, strict=True):
                for _ in range(LARGE_CODINGS_PER_SOURCE):
                    order, t_start, t_end = rng.choice(turns)
                    a = rng.randrange(t_start, t_end - 1)
                    b = min(t_end, a + rng.randrange(20, 300))
                    codings.append(
                        Coding(
                            source=source,
                            site=site,
                            theme=rng.choice(themes),
                            coder=coders[rng.randrange(2)],
                            start=a,
                            end=max(b, a + 1),
                            participant=participants[order % len(participants)],
                        )
                    )
            Coding.objects.bulk_create(codings, batch_size=5000)
        built += 1
        _say(stdout, f"  {code}: {len(sources)} sources, {len(codings)} codings")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    totals = Coding.objects.filter(site__code__startswith="bench-").aggregate(n=Count("pk"))
    return (
        f"large scale: {built} sites built, {totals['n']} benchmark codings "
        f"({time.monotonic() - started:.0f} s)"
    )
