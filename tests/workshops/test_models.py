"""Invariants held by the workshops models themselves (DOMAIN A3 for contradictions)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import SiteFactory
from workshops.models import (
    ActivitySystemModel,
    Contradiction,
    ContradictionLevel,
    Element,
    TimeLayer,
    validate_actions,
    validate_layers,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def models_(site_a):
    def make(title, layer=TimeLayer.PRESENT, site=site_a):
        return ActivitySystemModel.objects.create(
            site=site, title=title, layer=layer, perspective="The team"
        )

    return {
        "present": make("Today"),
        "future": make("Tomorrow", TimeLayer.FUTURE),
        "school": make("The school"),
        "other_site": make("Elsewhere", site=SiteFactory(code="charlie")),
    }


def contradiction(site, **fields):
    return Contradiction(site=site, formulation="X vs Y", **fields)


def test_a_primary_contradiction_lies_within_one_element(site_a, models_):
    ok = contradiction(
        site_a, level=ContradictionLevel.PRIMARY, model=models_["present"], element_a="instruments"
    )
    ok.full_clean()
    bad = contradiction(
        site_a,
        level=ContradictionLevel.PRIMARY,
        model=models_["present"],
        element_a=Element.INSTRUMENTS,
        element_b=Element.RULES,
    )
    with pytest.raises(ValidationError, match="within one element"):
        bad.full_clean()


def test_a_secondary_contradiction_spans_two_different_elements_of_one_model(site_a, models_):
    base = {"level": ContradictionLevel.SECONDARY, "model": models_["present"]}
    contradiction(
        site_a, element_a=Element.COMMUNITY, element_b=Element.DIVISION_OF_LABOUR, **base
    ).full_clean()
    with pytest.raises(ValidationError, match="spans two elements"):
        contradiction(site_a, element_a=Element.COMMUNITY, **base).full_clean()
    with pytest.raises(ValidationError, match="two different elements"):
        contradiction(site_a, element_a=Element.RULES, element_b=Element.RULES, **base).full_clean()
    with pytest.raises(ValidationError, match="within one model"):
        contradiction(
            site_a,
            element_a=Element.RULES,
            element_b=Element.OBJECT,
            other_model=models_["school"],
            **base,
        ).full_clean()


def test_a_tertiary_contradiction_links_to_a_future_model(site_a, models_):
    base = {
        "level": ContradictionLevel.TERTIARY,
        "model": models_["present"],
        "element_a": Element.OBJECT,
    }
    contradiction(site_a, other_model=models_["future"], **base).full_clean()
    with pytest.raises(ValidationError, match="future-layer"):
        contradiction(site_a, other_model=models_["school"], **base).full_clean()
    with pytest.raises(ValidationError, match="more advanced one"):
        contradiction(site_a, **base).full_clean()


def test_a_quaternary_contradiction_links_a_neighbour_of_the_same_site(site_a, models_):
    base = {
        "level": ContradictionLevel.QUATERNARY,
        "model": models_["present"],
        "element_a": Element.RULES,
    }
    contradiction(site_a, other_model=models_["school"], **base).full_clean()
    with pytest.raises(ValidationError, match="neighbour"):
        contradiction(site_a, **base).full_clean()
    with pytest.raises(ValidationError, match="another site"):
        contradiction(site_a, other_model=models_["other_site"], **base).full_clean()


def test_the_database_refuses_a_secondary_contradiction_with_one_element(site_a, models_):
    with pytest.raises(IntegrityError), transaction.atomic():
        Contradiction.objects.create(
            site=site_a,
            level=ContradictionLevel.SECONDARY,
            model=models_["present"],
            element_a=Element.RULES,
            formulation="X vs Y",
        )


def test_layer_and_action_lists_accept_only_known_values():
    validate_layers(["past", "future"])
    validate_actions(["questioning"])
    with pytest.raises(ValidationError, match="time layers"):
        validate_layers(["someday"])
    with pytest.raises(ValidationError, match="learning actions"):
        validate_actions("questioning")
