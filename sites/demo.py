"""Demo data for the sites app: five invented inter-agency sites (no real authority names),
their participants with consent in every state, the study's five phases, and personas."""

from __future__ import annotations

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import (
    Agency,
    AuditEvent,
    ConsentDecision,
    ConsentRecord,
    ConsentScope,
    Level,
    Membership,
    Participant,
    Profession,
    ResearchPhase,
    Role,
    Site,
)
from .services import audit_record

# The audit verb that marks an account seed_demo made (and so may reset).
DEMO_ACCOUNT_VERB = "demo.account_create"

PROFESSIONS = [
    "Social work",
    "Education",
    "Educational psychology",
    "Health visiting",
    "CAMHS",
    "Education welfare",
    "Youth work",
    "Speech and language therapy",
    "Police",
    "School nursing",
    "Family support",
    "Management",
]
AGENCIES = [
    "Children's social care",
    "Schools and education services",
    "Educational psychology service",
    "Primary care trust",
    "Child and adolescent mental health service",
    "Education welfare service",
    "Youth service",
    "Police",
    "Voluntary sector",
]
PROFESSION_AGENCY = {
    "Social work": "Children's social care",
    "Education": "Schools and education services",
    "Educational psychology": "Educational psychology service",
    "Health visiting": "Primary care trust",
    "CAMHS": "Child and adolescent mental health service",
    "Education welfare": "Education welfare service",
    "Youth work": "Youth service",
    "Speech and language therapy": "Primary care trust",
    "Police": "Police",
    "School nursing": "Primary care trust",
    "Family support": "Voluntary sector",
    "Management": "Children's social care",
}
PHASES = [
    (
        1,
        "Set-up and literature review",
        "2004-01-01",
        "2004-12-31",
        "Negotiating access with the five local authorities; the literature review.",
    ),
    (
        2,
        "Ethnographic fieldwork",
        "2005-01-01",
        "2005-08-31",
        "Observations, interviews and documents at each site; first mapping of activity systems.",
    ),
    (
        3,
        "DWR workshops: first series",
        "2005-09-01",
        "2006-07-31",
        "Developmental Work Research workshops at each site, mirroring fieldwork data.",
    ),
    (
        4,
        "DWR workshops: follow-up and strategic sessions",
        "2006-08-01",
        "2007-03-31",
        "Follow-up workshops, vertical learning with strategic managers.",
    ),
    (
        5,
        "Cross-site analysis and dissemination",
        "2007-04-01",
        "2007-12-31",
        "Cross-site themes, reports to sites, publications.",
    ),
]
SITES = [
    (
        "northbrook",
        "Northbrook Multi-Agency Support Team",
        "Northbrook Borough Council",
        "Multi-agency behaviour and education support team",
        "A co-located team supporting children at risk of exclusion from primary schools.",
    ),
    (
        "riverside",
        "Riverside Children's Centre Team",
        "Riverside City Council",
        "Co-located children's centre team",
        "Health, early years and family support staff working from one children's centre.",
    ),
    (
        "eastmoor",
        "Eastmoor Youth Inclusion Partnership",
        "Eastmoor County Council",
        "Youth inclusion and support panel",
        "A panel bringing together youth work, police and education welfare around teenagers.",
    ),
    (
        "westvale",
        "Westvale Extended Schools Cluster",
        "Westvale Metropolitan Borough",
        "Extended schools cluster team",
        "A cluster of schools sharing a multi-agency team and a common referral route.",
    ),
    (
        "southgate",
        "Southgate Child and Family Consultation Service",
        "Southgate Unitary Authority",
        "CAMHS-led consultation team",
        "Mental health practitioners offering consultation to schools and social care.",
    ),
]
NAMES = [
    "Alison",
    "Bernard",
    "Carys",
    "Dev",
    "Eileen",
    "Femi",
    "Gordon",
    "Harriet",
    "Imran",
    "Joanne",
    "Kwame",
    "Lorraine",
    "Malcolm",
    "Nadia",
    "Owen",
    "Priya",
    "Quentin",
    "Rhiannon",
    "Stuart",
    "Tanya",
    "Usha",
    "Vince",
    "Wendy",
    "Yusuf",
    "Zoe",
    "Gail",
    "Declan",
    "Maxine",
]
JOB_TITLES = {
    "Social work": "Senior practitioner",
    "Education": "Learning mentor",
    "Educational psychology": "Educational psychologist",
    "Health visiting": "Health visitor",
    "CAMHS": "Primary mental health worker",
    "Education welfare": "Education welfare officer",
    "Youth work": "Youth worker",
    "Speech and language therapy": "Speech and language therapist",
    "Police": "Schools liaison officer",
    "School nursing": "School nurse",
    "Family support": "Family support worker",
    "Management": "Team manager",
}
PERSONAS = [
    ("lead", "project lead: sees every site, manages the codebook, admin"),
    ("researcher", "researcher at Northbrook and Riverside"),
    ("facilitator", "workshop facilitator at Northbrook"),
    ("viewer", "read-only viewer at Riverside"),
    ("outsider", "researcher at Southgate only"),
]


def _date(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


# Consent patterns (decision per scope), cycled so every site has every state.
FULL = {s: ConsentDecision.GIVEN for s in ConsentScope.values}
NO_ARCHIVE = {**FULL, ConsentScope.ARCHIVING: ConsentDecision.DECLINED}
NO_WORKSHOP = {**FULL, ConsentScope.WORKSHOP: ConsentDecision.DECLINED}
PATTERNS = ["withdrawn", FULL, NO_ARCHIVE, FULL, "none", NO_WORKSHOP, FULL, "no-quote", FULL]


@transaction.atomic
def seed(context: dict) -> str:
    User = get_user_model()
    for number, name, start, end, description in PHASES:
        ResearchPhase.objects.update_or_create(
            number=number,
            defaults={
                "name": name,
                "start": _date(start),
                "end": _date(end),
                "description": description,
            },
        )
    professions = {
        name: Profession.objects.get_or_create(name=name, defaults={"order": i})[0]
        for i, name in enumerate(PROFESSIONS)
    }
    agencies = {
        name: Agency.objects.get_or_create(name=name, defaults={"order": i})[0]
        for i, name in enumerate(AGENCIES)
    }
    sites = []
    created_participants = 0
    for index, (code, name, authority, team_type, description) in enumerate(SITES):
        site, _ = Site.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "local_authority": authority,
                "team_type": team_type,
                "description": description,
            },
        )
        sites.append(site)
        rng = random.Random(f"liw-{code}")
        count = 8 + (index * 7) % 8  # 8..15 participants per site
        names = rng.sample(NAMES, count)
        for n, pseudonym in enumerate(names):
            profession = PROFESSIONS[(n + index) % len(PROFESSIONS)] if n else "Management"
            participant, created = Participant.objects.get_or_create(
                site=site,
                pseudonym=pseudonym,
                defaults={
                    "profession": professions[profession],
                    "agency": agencies[PROFESSION_AGENCY[profession]],
                    "job_title": JOB_TITLES[profession],
                    "level": Level.STRATEGIC if n in (0, 5) else Level.OPERATIONAL,
                },
            )
            if not created:
                continue
            created_participants += 1
            pattern = PATTERNS[n % len(PATTERNS)]
            given_on = datetime.date(2005, 1, 10) + datetime.timedelta(days=n * 3 + index)
            if pattern == "none":
                continue
            decisions = FULL if isinstance(pattern, str) else pattern
            for scope, decision in decisions.items():
                ConsentRecord.objects.create(
                    participant=participant,
                    scope=scope,
                    decision=decision,
                    effective_date=given_on,
                    note="Signed form filed with the site folder.",
                )
            if pattern == "withdrawn":
                for scope in ConsentScope.values:
                    ConsentRecord.objects.create(
                        participant=participant,
                        scope=scope,
                        decision=ConsentDecision.WITHDRAWN,
                        effective_date=datetime.date(2006, 3, 1),
                        note="Asked by e-mail to withdraw from the study.",
                    )
            elif pattern == "no-quote":
                ConsentRecord.objects.create(
                    participant=participant,
                    scope=ConsentScope.QUOTATION,
                    decision=ConsentDecision.WITHDRAWN,
                    effective_date=datetime.date(2006, 5, 2),
                    note="Happy to take part but not to be quoted.",
                )

    password = context["password"]
    users = {}
    left_alone = []
    for username, _ in PERSONAS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        users[username] = user
        if created:
            audit_record(actor=None, verb=DEMO_ACCOUNT_VERB, obj=user)
        elif not AuditEvent.objects.filter(
            verb=DEMO_ACCOUNT_VERB, object_type=user._meta.label, object_id=str(user.pk)
        ).exists():
            # Someone's real account with a persona's name: never reset its password or
            # give it a lead's rights.
            left_alone.append(username)
            continue
        if created or not user.check_password(password):
            user.set_password(password)
        if username == "lead":
            user.is_staff = True
            user.is_superuser = True
        user.first_name = username.title()
        user.save()
    memberships = [
        ("lead", None, Role.LEAD),
        ("researcher", sites[0], Role.RESEARCHER),
        ("researcher", sites[1], Role.RESEARCHER),
        ("facilitator", sites[0], Role.FACILITATOR),
        ("viewer", sites[1], Role.VIEWER),
        ("outsider", sites[4], Role.RESEARCHER),
    ]
    for username, site, role in memberships:
        if username in left_alone:
            continue
        Membership.objects.get_or_create(user=users[username], site=site, defaults={"role": role})
    context["left_alone"] = left_alone
    context["personas"] = PERSONAS
    context["sites"] = sites
    context["users"] = users
    return f"{len(sites)} sites, {created_participants} new participants"
