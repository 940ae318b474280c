"""factory_boy factories shared by every app's tests. Each app's issue adds its own below."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model

from sites.models import (
    Agency,
    ConsentDecision,
    ConsentRecord,
    ConsentScope,
    Membership,
    Participant,
    Profession,
    ResearchPhase,
    Role,
    Site,
)

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password(PASSWORD)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"site-{n}")
    name = factory.Sequence(lambda n: f"Test Site {n}")
    local_authority = "Exampleshire County Council"
    team_type = "Multi-agency support team"


class ProfessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profession
        django_get_or_create = ("name",)

    name = factory.Iterator(["Social work", "Education", "Educational psychology"])


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("name",)

    name = factory.Iterator(["Children's social care", "Schools", "Health"])


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    site = factory.SubFactory(SiteFactory)
    pseudonym = factory.Sequence(lambda n: f"Participant {n}")
    profession = factory.SubFactory(ProfessionFactory)
    agency = factory.SubFactory(AgencyFactory)
    job_title = "Practitioner"


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentRecord

    participant = factory.SubFactory(ParticipantFactory)
    scope = ConsentScope.PARTICIPATION
    decision = ConsentDecision.GIVEN
    effective_date = datetime.date(2005, 1, 10)


def give_full_consent(participant: Participant) -> Participant:
    for scope in ConsentScope.values:
        ConsentRecordFactory(participant=participant, scope=scope)
    return participant


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    site = factory.SubFactory(SiteFactory)
    role = Role.RESEARCHER


class ResearchPhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResearchPhase
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"Phase {o.number}")
    start = factory.LazyAttribute(lambda o: datetime.date(2003 + o.number, 1, 1))
    end = factory.LazyAttribute(lambda o: datetime.date(2003 + o.number, 12, 31))


# --- fieldwork ---------------------------------------------------------------------------

from fieldwork.models import Segment, Source, SourceKind  # noqa: E402


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    site = factory.SubFactory(SiteFactory)
    kind = SourceKind.INTERVIEW
    title = factory.Sequence(lambda n: f"Interview {n}")
    date = datetime.date(2005, 3, 14)
    text = ""


def make_source_with_turns(
    *, site: Site, turns: list[tuple[str, str, Participant | None]], **fields
) -> Source:
    """A Source whose text is the turns joined by blank lines, with one Segment per turn.
    turns: (speaker label, text, participant or None)."""
    text = ""
    spans = []
    for _speaker, body, _participant in turns:
        if text:
            text += "\n\n"
        spans.append((len(text), len(text) + len(body)))
        text += body
    source = SourceFactory(site=site, text=text, **fields)
    Segment.objects.bulk_create(
        Segment(
            source=source,
            order=i,
            speaker=speaker,
            participant=participant,
            start=start,
            end=end,
            text=text[start:end],
        )
        for i, ((speaker, _body, participant), (start, end)) in enumerate(
            zip(turns, spans, strict=True)
        )
    )
    return source


# --- workshops ---------------------------------------------------------------------------

from workshops.models import (  # noqa: E402
    MirrorItem,
    MirrorItemKind,
    Workshop,
    WorkshopActivity,
    WorkshopSeries,
)


class WorkshopSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkshopSeries

    site = factory.SubFactory(SiteFactory)
    title = factory.Sequence(lambda n: f"Workshop series {n}")


class WorkshopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workshop

    series = factory.SubFactory(WorkshopSeriesFactory)
    site = factory.LazyAttribute(lambda o: o.series.site)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Session {n}")
    date = datetime.date(2006, 5, 10)
    start_time = datetime.time(9, 30)
    end_time = datetime.time(12, 0)


class WorkshopActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkshopActivity

    workshop = factory.SubFactory(WorkshopFactory)
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Activity {n}")
    minutes = 20


class MirrorItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MirrorItem

    workshop = factory.SubFactory(WorkshopFactory)
    site = factory.LazyAttribute(lambda o: o.workshop.site)
    kind = MirrorItemKind.STATISTIC
    text = "12 referrals a week"
    provenance_note = "Team statistics, 2005"
