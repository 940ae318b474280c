"""Factories for the analysis area's tests (activity-system models, contradictions,
disturbances, experiments) and the few workshop rows they link to."""

from __future__ import annotations

import datetime

import factory

from tests.factories import SiteFactory
from workshops.models import (
    ActivitySystemModel,
    Contradiction,
    ContradictionLevel,
    ContradictionStatusChange,
    Disturbance,
    Element,
    ElementEntry,
    Experiment,
    MirrorItem,
    SharedObject,
    TimeLayer,
    Workshop,
    WorkshopSeries,
)


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkshopSeries

    site = factory.SubFactory(SiteFactory)
    title = factory.Sequence(lambda n: f"DWR series {n}")


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workshop

    series = factory.SubFactory(SeriesFactory)
    site = factory.LazyAttribute(lambda o: o.series.site)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Session {n}")
    date = datetime.date(2006, 3, 1)


class MirrorItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MirrorItem

    workshop = factory.SubFactory(SessionFactory)
    site = factory.LazyAttribute(lambda o: o.workshop.site)
    title = factory.Sequence(lambda n: f"Mirror item {n}")
    text = "We ring round until someone picks it up."
    source_title = "Interview 3"


class ActivityModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivitySystemModel

    site = factory.SubFactory(SiteFactory)
    title = factory.Sequence(lambda n: f"Model {n}")
    layer = TimeLayer.PRESENT
    perspective = "The multi-agency team"


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ElementEntry

    model = factory.SubFactory(ActivityModelFactory)
    element = Element.INSTRUMENTS
    text = factory.Sequence(lambda n: f"Entry {n}")


class SharedObjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SharedObject

    site = factory.SubFactory(SiteFactory)
    model_a = factory.SubFactory(ActivityModelFactory, site=factory.SelfAttribute("..site"))
    model_b = factory.SubFactory(
        ActivityModelFactory, site=factory.SelfAttribute("..site"), perspective="A school"
    )
    text = "The child's trajectory"


class DisturbanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Disturbance

    site = factory.SubFactory(SiteFactory)
    date = datetime.date(2005, 11, 2)
    title = factory.Sequence(lambda n: f"Disturbance {n}")


class ContradictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contradiction
        skip_postgeneration_save = True

    site = factory.SubFactory(SiteFactory)
    model = factory.SubFactory(ActivityModelFactory, site=factory.SelfAttribute("..site"))
    level = ContradictionLevel.PRIMARY
    element_a = Element.INSTRUMENTS
    formulation = "Care tool vs audit instrument"

    @factory.post_generation
    def history(obj, create, extracted, **kwargs):
        if create:
            ContradictionStatusChange.objects.create(
                contradiction=obj, status=obj.status, date=datetime.date(2006, 1, 10)
            )


class ExperimentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Experiment

    site = factory.SubFactory(SiteFactory)
    title = factory.Sequence(lambda n: f"Experiment {n}")
    owner = "Team manager"
