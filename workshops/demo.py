"""Demo data for workshops: a series (from the LIW-style template) at every demo site; at
Northbrook two held sessions with mirror items (one on a participant who later withdrew,
shown revoked), a present-layer model with evidence, four contradictions of different levels
with their histories, two experiments, and a workshop transcript imported through the
project's import and coded with learning actions.

`seed(context)` is called by `manage.py seed_demo` after sites, fieldwork and themes.
Idempotent: a site that already has a series is left alone.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction

from sites import services as site_services
from sites.models import ConsentDecision, ConsentScope, Membership, Participant, Role, Site
from themes import services as theme_services
from themes.models import Coding, Theme

from . import selectors, services
from .models import (
    ActivitySystemModel,
    Contradiction,
    ContradictionStatus,
    ContradictionStatusChange,
    Element,
    ElementEntry,
    Experiment,
    ExperimentStatus,
    SharedObject,
    SurfaceColumn,
    TimeLayer,
)

DEMO_SITE = "northbrook"


def seed(context: dict) -> str:
    users = context.get("users") or {}
    User = get_user_model()
    facilitator = users.get("facilitator") or User.objects.filter(username="facilitator").first()
    lead = users.get("lead") or User.objects.filter(username="lead").first()
    sites = context.get("sites") or list(Site.objects.order_by("name"))
    created = 0
    for site in sites:
        if site.workshop_series.exists():
            continue
        staff = [
            m.user
            for m in Membership.objects.filter(site=site, role=Role.FACILITATOR).select_related(
                "user"
            )
        ]
        actor = staff[0] if staff else lead
        with transaction.atomic():
            series = services.series_create(
                site=site,
                actor=actor,
                title=f"DWR workshops at {site.name}",
                aims="Look at our own practice through fieldwork excerpts, name the "
                "contradictions behind recurring troubles and agree changes to try.",
                facilitators=staff,
            )
            _date_sessions(series, actor)
            if site.code == DEMO_SITE and facilitator is not None and lead is not None:
                _northbrook(series, facilitator, lead)
        created += 1
    return f"{created} new workshop series"


def _date_sessions(series, actor) -> None:
    first = datetime.date(2006, 4, 6)
    for workshop in series.sessions.order_by("number"):
        services.workshop_update(
            workshop=workshop,
            actor=actor,
            date=first + datetime.timedelta(weeks=3 * (workshop.number - 1)),
            start_time=datetime.time(9, 30),
            end_time=datetime.time(11, 30),
            venue=f"{series.site.name}, meeting room",
        )


def _consented(site: Site) -> list[Participant]:
    """Participants whose words may be shown in workshops now."""
    people = list(Participant.objects.filter(site=site).with_details().order_by("pseudonym"))
    blocks = selectors.mirror_blocks(site=site)
    return [p for p in people if p.pk not in blocks and not selectors.attendee_flags(p)]


def _excerpts(site: Site, speakers: list[Participant], limit: int) -> list[Coding]:
    """Coded excerpts of the given speakers, one per source turn, in a stable order."""
    codings = []
    seen = set()
    for coding in (
        Coding.objects.filter(site=site, participant__in=speakers, source__kind="interview")
        .select_related("source", "theme")
        .order_by("source__date", "source_id", "start", "pk")
    ):
        if (coding.source_id, coding.start) in seen or coding.end - coding.start > 400:
            continue
        seen.add((coding.source_id, coding.start))
        codings.append(coding)
        if len(codings) == limit:
            break
    return codings


def _northbrook(series, facilitator, lead) -> None:
    site = series.site
    people = _consented(site)
    if len(people) < 4:
        return
    one, two = series.sessions.get(number=1), series.sessions.get(number=2)
    for workshop in (one, two):
        services.workshop_update(
            workshop=workshop,
            actor=facilitator,
            facilitator=facilitator,
            scribe_participant=people[1],
        )
        services.workshop_attendees_set(
            workshop=workshop,
            actor=facilitator,
            participants=list(Participant.objects.filter(site=site).order_by("pseudonym")[:10]),
        )
    # Session 1: three excerpts, a statistic; the first speaker withdraws later.
    found = _excerpts(site, people, 12)
    if not found:
        return
    later_withdrawn = found[0].participant
    excerpts = [found[0]] + [c for c in found if c.participant_id != later_withdrawn.pk][:3]
    items = []
    for n, coding in enumerate(excerpts):
        item = services.mirror_item_add_excerpt(workshop=one, actor=facilitator, coding=coding)
        services.mirror_item_update(
            item=item,
            actor=facilitator,
            facilitator_note="Read it aloud; ask who recognises it.",
            prompts="Does this happen here?\nWhat makes it happen?",
        )
        if n == 3:
            services.mirror_item_place(
                item=item, actor=facilitator, column=SurfaceColumn.MIRROR, layer=TimeLayer.PAST
            )
        items.append(item)
    services.mirror_item_add_typed(
        workshop=one,
        actor=facilitator,
        kind="statistic",
        title="Referrals bounced back",
        text="Four in ten referrals to the team in 2005 were sent back for a different form.",
        provenance_note="Team referral log, 2005 (counted by the research team)",
    )
    services.workshop_record_held(
        workshop=one,
        actor=facilitator,
        present=list(one.attendees.all()[:8]),
        held_notes="The team spent most of the time on the referral form and on who holds "
        "the case. The triangle was introduced and filled in by the scribe.",
        deviations="Participants asked to start with the referral statistic instead of the "
        "quotes; the 'tensions' list was made in pairs, not as a whole group.",
    )
    _recording(one, facilitator, lead, people, items)
    model = _model(one, site, facilitator, items)
    _contradictions(site, model, one, two, facilitator, items)
    _experiments(site, one, two)
    services.workshop_summary_save(
        workshop=one, actor=facilitator, text=selectors.summary_draft(workshop=one)
    )
    services.workshop_mark_written_up(workshop=one, actor=facilitator)
    # Session 2: two excerpts, held.
    for coding in [c for c in found if c not in excerpts][:2]:
        item = services.mirror_item_add_excerpt(workshop=two, actor=facilitator, coding=coding)
        services.mirror_item_place(
            item=item, actor=facilitator, column=SurfaceColumn.MIRROR, layer=TimeLayer.PAST
        )
    services.workshop_record_held(
        workshop=two,
        actor=facilitator,
        present=list(two.attendees.all()[:7]),
        held_notes="The timeline went back to the reorganisation of 2003.",
    )
    # Later, the first excerpt's speaker withdraws consent to being shown to colleagues:
    # the item is revoked at once (and the revocation is in the audit record).
    site_services.consent_record(
        participant=later_withdrawn,
        actor=lead,
        scopes=[ConsentScope.WORKSHOP],
        decision=ConsentDecision.WITHDRAWN,
        effective_date=datetime.date(2006, 6, 1),
        note="Does not want colleagues to see her words any more.",
    )


TRANSCRIPT = [
    ("Facilitator", "Let us look at the first excerpt. Does this happen here?"),
    ("{a}", "Why do we still use the old referral form when nobody reads it?"),
    ("{b}", "It doesn't work for the schools either; they ring us instead."),
    ("Facilitator", "Where would you put that on the triangle?"),
    ("{a}", "It is a rule from before the team existed, from the old department."),
    ("{c}", "So the form serves the audit, not the child: that is the tension."),
    ("{b}", "What if we had one joint panel that takes the call and decides?"),
    ("{c}", "We could try it for a month and look at it again in session five."),
    ("{a}", "I would want the managers in the room when we look at it."),
    ("Facilitator", "Then let us note it as an experiment."),
]
ACTIONS = {
    1: "questioning",
    2: "questioning",
    4: "analysing",
    5: "analysing",
    6: "modelling",
    7: "implementing",
    8: "examining",
}


def _recording(workshop, facilitator, lead, people, items) -> None:
    names = {"a": people[1].pseudonym, "b": people[2].pseudonym, "c": people[3].pseudonym}
    text = "\n\n".join(f"{speaker.format(**names)}: {words}" for speaker, words in TRANSCRIPT)
    job = services.recording_import(
        workshop=workshop,
        actor=facilitator,
        file=ContentFile(text.encode(), name=f"{workshop.site.code}-session-1.txt"),
        run_now=True,
    )
    if job.error:
        raise RuntimeError(f"Demo workshop import failed: {job.error}")
    workshop.refresh_from_db()
    source = workshop.recording
    themes = {t.seed_key: t for t in Theme.objects.filter(seed_key__in=set(ACTIONS.values()))}
    turns = list(source.segments.order_by("order"))
    for order, key in ACTIONS.items():
        if key in themes and order < len(turns):
            turn = turns[order]
            theme_services.coding_create(
                source=source, theme=themes[key], coder=lead, start=turn.start, end=turn.end
            )
    if items:
        services.mirror_item_showing_add(
            item=items[0], actor=facilitator, first_turn=1, last_turn=3
        )
    if len(items) > 1:
        services.mirror_item_showing_add(
            item=items[1], actor=facilitator, first_turn=4, last_turn=6
        )


def _model(workshop, site, facilitator, items) -> ActivitySystemModel:
    model = ActivitySystemModel(
        site=site,
        title="The team's activity today",
        layer=TimeLayer.PRESENT,
        perspective="The multi-agency team",
        built_in=workshop,
        created_by=facilitator,
    )
    model.full_clean()
    model.save()
    entries = [
        (Element.SUBJECT, "The multi-agency team (social work, education, health)"),
        (Element.OBJECT, "A child's trajectory, not a single referral"),
        (Element.OUTCOME, "Fewer exclusions; a coordinated package of support"),
        (Element.INSTRUMENTS, "Referral form; shared case record; weekly allocation meeting"),
        (Element.RULES, "Referral thresholds; agency-specific line management"),
        (Element.COMMUNITY, "Schools, CAMHS, families, the voluntary sector"),
        (Element.DIVISION_OF_LABOUR, "Who holds the case; who chairs; who can refer"),
    ]
    evidence = [i for i in items if i.coding_id]
    for n, (element, text) in enumerate(entries):
        entry = ElementEntry.objects.create(model=model, element=element, text=text, order=n)
        if evidence:
            item = evidence[n % len(evidence)]
            entry.evidence_mirror_items.add(item)
            entry.evidence_codings.add(item.coding_id)
    return model


def _contradictions(site, model, one, two, facilitator, items) -> None:
    future = ActivitySystemModel.objects.create(
        site=site,
        title="The team as it could be",
        layer=TimeLayer.FUTURE,
        perspective="The multi-agency team",
        built_in=two,
        created_by=facilitator,
    )
    school = ActivitySystemModel.objects.create(
        site=site,
        title="The school's exclusion procedure",
        layer=TimeLayer.PRESENT,
        perspective="A secondary school",
        created_by=facilitator,
    )
    SharedObject.objects.create(
        site=site, model_a=model, model_b=school, text="A pupil at risk of exclusion"
    )
    rows = [
        (
            "primary",
            Element.INSTRUMENTS,
            "",
            None,
            "Shared case record as a care tool vs as an audit instrument",
        ),
        (
            "secondary",
            Element.COMMUNITY,
            Element.DIVISION_OF_LABOUR,
            None,
            "Co-located team vs agency-specific line management",
        ),
        (
            "tertiary",
            Element.OBJECT,
            "",
            future,
            "Single-agency referral practice vs the joined-up model of ECM",
        ),
        (
            "quaternary",
            Element.RULES,
            "",
            school,
            "Team's early-help approach vs the school's exclusion procedure",
        ),
    ]
    history = [
        (ContradictionStatus.HYPOTHESISED, datetime.date(2006, 3, 20), None),
        (ContradictionStatus.PRESENTED, one.date, one),
        (ContradictionStatus.RECOGNISED, one.date, one),
    ]
    evidence = [i for i in items if i.coding_id]
    for n, (level, a, b, other, formulation) in enumerate(rows):
        contradiction = Contradiction(
            site=site,
            level=level,
            model=model,
            element_a=a,
            element_b=b,
            other_model=other,
            formulation=formulation,
            created_by=facilitator,
        )
        contradiction.full_clean()
        contradiction.save()
        steps = history[: 3 if n < 2 else 1] + (
            [(ContradictionStatus.WORKED_ON, two.date, two)] if n == 1 else []
        )
        for status, day, workshop in steps:
            ContradictionStatusChange.objects.create(
                contradiction=contradiction,
                status=status,
                date=day,
                workshop=workshop,
                recorded_by=facilitator,
            )
        contradiction.status = steps[-1][0]
        contradiction.save(update_fields=["status"])
        if evidence:
            contradiction.evidence_mirror_items.add(evidence[n % len(evidence)])


def _experiments(site, one, two) -> None:
    for title, owner, start, review, status in (
        (
            "A joint referral panel",
            "Team manager",
            datetime.date(2006, 5, 1),
            datetime.date(2006, 6, 15),
            ExperimentStatus.RUNNING,
        ),
        (
            "One shared case summary instead of three forms",
            "Senior practitioner (education)",
            datetime.date(2006, 5, 8),
            datetime.date(2006, 7, 3),
            ExperimentStatus.AGREED,
        ),
    ):
        experiment = Experiment(
            site=site,
            agreed_in=one,
            title=title,
            owner=owner,
            start=start,
            review_date=review,
            status=status,
        )
        experiment.full_clean()
        experiment.save()
