"""Demo fieldwork for the five demo sites: observations, interviews imported from .docx, .vtt
and .txt files made in memory (through the real import service), and field documents.

Invented, in the spirit of "Learning in and for Inter-agency Working": co-location,
professional identities, division of labour, expertise, "who do I ring?", rule-bending.
Deterministic (seeded by site code) and idempotent (a source that exists is left alone).
"""

from __future__ import annotations

import datetime
import io
import random

from django.contrib.auth import get_user_model

from sites.models import Participant, Site

from . import services
from .models import DocumentType, ImportStatus, Replacement, Source, SourceKind

QUESTIONS = [
    "Can you tell me how a referral reaches you now?",
    "Who do you ring when you are not sure whose case it is?",
    "What changed when the team moved into the one building?",
    "How would you describe your own role to a parent?",
    "Is there anything you do now that you would not have done in your old service?",
    "Where do the rules get in the way?",
    "Who in the team knows the most about what the schools need?",
    "How do you decide who takes the lead on a family?",
    "What does the weekly allocation meeting actually decide?",
    "Can you give me an example of a case that went well?",
    "And one that did not?",
    "What would you change if you could?",
]
OPENINGS = [
    "Honestly, it depends on the day.",
    "I think the short answer is that it has got better.",
    "That is a good question, and I am not sure we agree on it.",
    "Well, it used to be a lot simpler on paper.",
    "I'd say it is mostly about relationships now.",
    "If I am honest, it still feels a bit ad hoc.",
]
MIDDLES = [
    "Since we moved in with the health visitors I just walk across the office instead of "
    "leaving messages.",
    "The social workers still think in terms of thresholds, whereas we think about the whole "
    "family and what the school is seeing day to day.",
    "Nobody really owns the case until something goes wrong, and then everybody does.",
    "I ring the duty desk first, but really I ring whoever I know will pick up.",
    "The EP has the knowledge about assessment, but the learning mentors know the children.",
    "We bent the rule about written referrals because a phone call at eight in the morning "
    "gets things moving.",
    "Half of my job is translating between the school's language and the social care language.",
    "My manager is in a different agency, so I answer to two people and neither of them sees "
    "the whole picture.",
    "At the allocation meeting we look at the list and whoever has capacity puts their hand up, "
    "which is not quite how the protocol describes it.",
    "When I started I was a nurse in a team of teachers; now I'm not sure what I am.",
    "There is a lot of expertise in the room but it does not always get written down.",
    "The database does not talk to the school system, so we keep our own spreadsheet.",
    "Parents don't care which agency we are from; they want someone who turns up.",
    "We share the office at Oakfield on Tuesdays, and that is where most of the real work happens.",
]
CLOSINGS = [
    "So I suppose that is the tension.",
    "That is where I would start, anyway.",
    "I don't think anyone has quite worked that out yet.",
    "But it works, most of the time.",
    "And that is the bit we never talk about in meetings.",
    "",
]
PROBES = [
    "Can you say a bit more about that?",
    "Who decided that?",
    "And how did the others react?",
    "Is that written down anywhere?",
    "So who would you ring in that case?",
]
OBSERVATION_PARAGRAPHS = [
    "09:05. Team room. {a} and {b} are at the hot desks by the window; the kettle is on. "
    "{a} is on the phone to a school about a Year 5 boy who has been excluded twice this term.",
    "{b} turns to me and says the referral came in by e-mail rather than on the form, "
    "'which is how most of them come in, if we're honest'.",
    "The allocation meeting starts late. {c} chairs. There is no written agenda; the list of "
    "new referrals is read from the screen. Each case gets about three minutes.",
    "A disagreement about whose case it is: {a} says it is a school matter, {c} says there are "
    "safeguarding concerns and it should go to social care. {b} offers to 'have a chat with "
    "mum first', which everybody seems relieved about.",
    "I notice that nobody refers to the protocol. When I ask afterwards, {c} laughs and says "
    "the protocol was written 'for a team that doesn't exist'.",
    "After the meeting {b} and {a} stay behind to swap phone numbers of contacts at Oakfield "
    "and the health centre. 'This is the real directory,' {a} says.",
    "Lunch in the shared kitchen. Talk about the new building, the car park, and whether the "
    "health visitors will move in permanently.",
    "15:30. {c} is writing up the minutes. The decisions recorded are fewer than the "
    "decisions I saw being made.",
]
DOCUMENTS = [
    (
        "Allocation meeting minutes",
        DocumentType.MINUTES,
        "Team administrator",
        [
            "Present: team manager, senior practitioner, educational psychologist, learning "
            "mentor, health visitor.",
            "1. New referrals. Four received since last week; two by e-mail without the referral "
            "form. Agreed: the learning mentor will contact Oakfield about the Year 5 referral.",
            "2. Caseloads. Capacity is limited until the new family support worker starts.",
            "3. Any other business. The protocol for joint visits needs updating; the team "
            "manager will circulate a draft.",
        ],
    ),
    (
        "Multi-agency referral form (blank)",
        DocumentType.REFERRAL,
        "Local authority",
        [
            "Section A: About the child. Name, date of birth, school, address.",
            "Section B: Reason for referral. Please describe the concern and what has already "
            "been tried.",
            "Section C: Consent. The parent or carer has agreed to this referral being made.",
            "Section D: For office use. Allocated to: ____ Date: ____",
        ],
    ),
    (
        "Joint working protocol",
        DocumentType.POLICY,
        "Children's services",
        [
            "Purpose. This protocol sets out how practitioners from different agencies work "
            "together within the team.",
            "Referrals. All referrals must be made on the agreed form and will be considered at "
            "the weekly allocation meeting.",
            "Lead professional. For every family one practitioner will be named as lead "
            "professional and will co-ordinate the support offered.",
            "Information sharing. Practitioners will share information in line with the "
            "information sharing guidance and record what was shared and why.",
        ],
    ),
]


def _withdrawn_participant(site: Site) -> Participant | None:
    """The participant sites.demo gives the 'withdrawn' consent pattern at this site."""
    excluded = Participant.objects.excluded_by_consent().filter(site=site).order_by("pk")
    return next((p for p in excluded if p.consent.key == "withdrawn"), None)


def _answer(rng: random.Random) -> str:
    parts = [rng.choice(OPENINGS), *rng.sample(MIDDLES, rng.randint(1, 3)), rng.choice(CLOSINGS)]
    return " ".join(p for p in parts if p)


def _interview_turns(rng: random.Random, speakers: list[str], turns: int) -> list[tuple]:
    result = []
    questions = rng.sample(QUESTIONS, len(QUESTIONS))
    for i in range(turns):
        if i % 2 == 0:
            text = (
                questions[(i // 2) % len(questions)] if rng.random() < 0.75 else rng.choice(PROBES)
            )
            result.append(("Interviewer", text))
        else:
            result.append((speakers[(i // 2) % len(speakers)], _answer(rng)))
    return result


def _docx(turns: list[tuple[str, str]]) -> bytes:
    import docx

    document = docx.Document()
    for speaker, text in turns:
        document.add_paragraph(f"{speaker}: {text}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _vtt(turns: list[tuple[str, str]]) -> bytes:
    lines = ["WEBVTT", ""]
    position = 0
    for speaker, text in turns:
        length = 2000 + 60 * len(text)
        lines += [f"{_clock(position)} --> {_clock(position + length)}", f"<v {speaker}>{text}", ""]
        position += length + 500
    return "\n".join(lines).encode()


def _clock(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _txt(turns: list[tuple[str, str]]) -> bytes:
    return "\n\n".join(f"{speaker}: {text}" for speaker, text in turns).encode()


def _seed_site(site: Site, index: int, researcher, rng: random.Random) -> int:
    created = 0
    people = list(Participant.objects.filter(site=site).order_by("pseudonym"))
    withdrawn = _withdrawn_participant(site)
    others = [p for p in people if p != withdrawn]
    if len(others) < 3:
        return 0
    Replacement.objects.get_or_create(
        site=site, original="Oakfield", defaults={"pseudonym": "Primary school A"}
    )
    base = datetime.date(2005, 2, 7) + datetime.timedelta(days=index * 9)
    existing = set(Source.objects.filter(site=site).values_list("title", flat=True))

    for n in range(2):
        title = f"Field notes: allocation meeting, week {n + 1}"
        if title in existing:
            continue
        a, b, c = rng.sample(others, 3)
        paragraphs = rng.sample(OBSERVATION_PARAGRAPHS, 5)
        notes = "\n\n".join(
            p.format(a=a.pseudonym, b=b.pseudonym, c=c.pseudonym) for p in paragraphs
        )
        services.observation_create(
            site=site,
            actor=researcher,
            title=title,
            date=base + datetime.timedelta(days=7 * n),
            notes=notes,
            start_time=datetime.time(9, 0),
            end_time=datetime.time(11, 30),
            setting="Team room and shared kitchen",
            observer=researcher,
            participants_present=[a, b, c],
        )
        created += 1

    formats = [("docx", _docx), ("vtt", _vtt), ("txt", _txt)]
    for n, (ext, build) in enumerate(formats):
        interviewees = [others[(index + n) % len(others)]]
        if n == 1 and withdrawn is not None:
            interviewees.append(withdrawn)  # a withdrawn participant speaking
        if n == 2:
            interviewees.append(others[(index + n + 3) % len(others)])
        label = " and ".join(p.pseudonym for p in interviewees)
        title = f"Interview with {label}"
        if title in existing:
            continue
        turns = _interview_turns(rng, [p.pseudonym for p in interviewees], rng.randint(15, 40))
        if n == 0:
            # A typo'd label, as transcribers make them (merged on the speaker page).
            turns[3] = (turns[3][0] + "e", turns[3][1])
        job = services.import_file(
            site=site,
            actor=researcher,
            name=f"{site.code}-interview-{n + 1}.{ext}",
            data=build(turns),
            kind=SourceKind.INTERVIEW,
            options={
                "title": title,
                "date": (base + datetime.timedelta(days=3 + 5 * n)).isoformat(),
                "mode": "group" if len(interviewees) > 1 else "individual",
                "recording_reference": f"{site.code.upper()}-INT-{n + 1:02d}",
            },
        )
        if job.status != ImportStatus.SUCCEEDED:
            raise RuntimeError(f"Demo import failed: {job.error}")
        source = job.source
        services.source_speaker_map(
            source=source, label="Interviewer", researcher=researcher, actor=researcher
        )
        interview = source.interview
        interview.interviewers.set([researcher])
        interview.interviewees.set(interviewees)
        created += 1

    title, document_type, author, paragraphs = DOCUMENTS[index % len(DOCUMENTS)]
    if title not in existing:
        job = services.import_file(
            site=site,
            actor=researcher,
            name=f"{site.code}-document.txt",
            data="\n\n".join(paragraphs).encode(),
            kind=SourceKind.DOCUMENT,
            options={
                "title": title,
                "date": (base + datetime.timedelta(days=1)).isoformat(),
                "document_type": document_type,
                "author": author,
            },
        )
        if job.status != ImportStatus.SUCCEEDED:
            raise RuntimeError(f"Demo import failed: {job.error}")
        created += 1
    return created


def seed(context: dict) -> str:
    users = context.get("users") or {}
    researcher = (
        users.get("researcher") or get_user_model().objects.filter(username="researcher").first()
    )
    created = 0
    for index, site in enumerate(context["sites"]):
        created += _seed_site(site, index, researcher, random.Random(f"fieldwork-{site.code}"))
    return f"{created} new sources"
