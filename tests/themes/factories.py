"""Factories for the themes app's tests."""

from __future__ import annotations

import factory

from tests.factories import SiteFactory, SourceFactory, UserFactory
from themes.models import AgreementExercise, Coding, Memo, Theme


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    name = factory.Sequence(lambda n: f"Theme {n}")
    definition = "A test theme."
    colour = "#1d3557"


class CodingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coding

    source = factory.SubFactory(
        SourceFactory, text="Some words worth coding, and more words after them."
    )
    site = factory.LazyAttribute(lambda o: o.source.site)
    theme = factory.SubFactory(ThemeFactory)
    coder = factory.SubFactory(UserFactory)
    start = 0
    end = 10


class MemoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Memo

    source = factory.SubFactory(SourceFactory)
    site = factory.LazyAttribute(lambda o: o.source.site if o.source else None)
    text = "A memo."


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementExercise

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Exercise {n}")
