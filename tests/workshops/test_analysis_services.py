"""Services of the analysis area: contradiction validation per level (DOMAIN A3) both ways,
evidence kept to the site, versions, the status history and experiments; every change
audited."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from sites.models import AuditEvent
from tests.factories import SourceFactory
from tests.themes.factories import CodingFactory
from workshops import analysis_services as services
from workshops.models import (
    ActivitySystemModel,
    Contradiction,
    ContradictionStatus,
    Element,
    ElementEntry,
    Experiment,
    TimeLayer,
)

from .analysis_factories import (
    ActivityModelFactory,
    ContradictionFactory,
    EntryFactory,
    MirrorItemFactory,
    SessionFactory,
)

E = Element


@pytest.fixture
def models(site_a):
    return {
        "present": ActivityModelFactory(site=site_a, title="Team now", layer=TimeLayer.PRESENT),
        "future": ActivityModelFactory(site=site_a, title="Team next", layer=TimeLayer.FUTURE),
        "past": ActivityModelFactory(site=site_a, title="Team before", layer=TimeLayer.PAST),
        "school": ActivityModelFactory(
            site=site_a, title="School exclusions", perspective="A secondary school"
        ),
        "team_again": ActivityModelFactory(site=site_a, title="Team again"),
    }


def record(site, actor, **fields):
    fields.setdefault("formulation", "X vs Y")
    return services.contradiction_create(site=site, actor=actor, **fields)


def error_of(exc_info, field: str) -> str:
    return " ".join(exc_info.value.message_dict[field])


# --- contradiction validation, per level, both ways -------------------------------------


def test_a_primary_contradiction_lies_within_one_element(site_a, facilitator, models):
    c = record(
        site_a, facilitator, level="primary", model=models["present"], element_a=E.INSTRUMENTS
    )
    assert (c.element_a, c.element_b, c.other_model) == (E.INSTRUMENTS, "", None)


def test_a_primary_contradiction_with_a_second_element_is_refused(site_a, facilitator, models):
    with pytest.raises(ValidationError) as exc:
        record(
            site_a,
            facilitator,
            level="primary",
            model=models["present"],
            element_a=E.INSTRUMENTS,
            element_b=E.RULES,
        )
    assert "within one element" in error_of(exc, "element_b")
    assert not Contradiction.objects.exists()


def test_a_secondary_contradiction_spans_two_elements_of_one_model(site_a, facilitator, models):
    c = record(
        site_a,
        facilitator,
        level="secondary",
        model=models["present"],
        element_a=E.COMMUNITY,
        element_b=E.DIVISION_OF_LABOUR,
    )
    assert c.element_b == E.DIVISION_OF_LABOUR


@pytest.mark.parametrize(
    ("element_b", "other", "field", "message"),
    [
        ("", None, "element_b", "spans two elements"),
        ("rules", None, "element_b", "two different elements"),
        ("community", "future", "other_model", "within one model"),
    ],
)
def test_a_secondary_contradiction_needs_two_different_elements_of_the_same_model(
    site_a, facilitator, models, element_b, other, field, message
):
    with pytest.raises(ValidationError) as exc:
        record(
            site_a,
            facilitator,
            level="secondary",
            model=models["present"],
            element_a=E.RULES,
            element_b=element_b,
            other_model=models[other] if other else None,
        )
    assert message in error_of(exc, field)
    assert not Contradiction.objects.exists()


def test_a_tertiary_contradiction_links_a_present_model_to_a_future_one(
    site_a, facilitator, models
):
    c = record(
        site_a,
        facilitator,
        level="tertiary",
        model=models["present"],
        other_model=models["future"],
        element_a=E.OBJECT,
        element_b=E.OBJECT,
    )
    assert c.other_model == models["future"]


@pytest.mark.parametrize(
    ("model", "other", "field", "message"),
    [
        ("present", None, "other_model", "more advanced one"),
        ("present", "past", "other_model", "future-layer"),
        ("future", "future", "other_model", "different model"),
        ("past", "future", "model", "present-layer model"),
    ],
)
def test_a_tertiary_contradiction_without_a_present_and_a_future_model_is_refused(
    site_a, facilitator, models, model, other, field, message
):
    with pytest.raises(ValidationError) as exc:
        record(
            site_a,
            facilitator,
            level="tertiary",
            model=models[model],
            other_model=models[other] if other else None,
            element_a=E.OBJECT,
        )
    assert message in error_of(exc, field)
    assert not Contradiction.objects.exists()


def test_a_quaternary_contradiction_links_the_central_model_to_a_neighbours(
    site_a, facilitator, models
):
    c = record(
        site_a,
        facilitator,
        level="quaternary",
        model=models["present"],
        other_model=models["school"],
        element_a=E.OBJECT,
        element_b=E.RULES,
    )
    assert c.other_model == models["school"]


@pytest.mark.parametrize(
    ("other", "message"),
    [
        (None, "neighbour's"),
        ("present", "different model"),
        ("team_again", "another perspective"),
    ],
)
def test_a_quaternary_contradiction_needs_a_neighbour_model_of_another_perspective(
    site_a, facilitator, models, other, message
):
    with pytest.raises(ValidationError) as exc:
        record(
            site_a,
            facilitator,
            level="quaternary",
            model=models["present"],
            other_model=models[other] if other else None,
            element_a=E.OBJECT,
        )
    assert message in error_of(exc, "other_model")
    assert not Contradiction.objects.exists()


def test_a_contradiction_cannot_link_another_sites_model(site_a, site_b, facilitator, models):
    neighbour = ActivityModelFactory(site=site_b, perspective="CAMHS")
    with pytest.raises(ValidationError) as exc:
        record(
            site_a,
            facilitator,
            level="quaternary",
            model=models["present"],
            other_model=neighbour,
            element_a=E.OBJECT,
        )
    assert "another site" in error_of(exc, "other_model")


# --- evidence stays within the site -----------------------------------------------------


def test_evidence_of_another_site_is_refused_and_nothing_is_saved(
    site_a, site_b, facilitator, models
):
    other_coding = CodingFactory(source=SourceFactory(site=site_b, text="Words at bravo site."))
    with pytest.raises(ValidationError) as exc:
        services.element_entry_create(
            model=models["present"],
            actor=facilitator,
            element=E.RULES,
            text="Referral thresholds",
            evidence_codings=[other_coding],
        )
    assert "this site only" in error_of(exc, "evidence_codings")
    other_item = MirrorItemFactory(workshop=SessionFactory(series__site=site_b))
    with pytest.raises(ValidationError):
        record(
            site_a,
            facilitator,
            level="primary",
            model=models["present"],
            element_a=E.RULES,
            evidence_mirror_items=[other_item],
        )
    assert not ElementEntry.objects.exists() and not Contradiction.objects.exists()
    assert not AuditEvent.objects.exists()


def test_an_entry_with_evidence_is_saved_and_audited(site_a, facilitator, models):
    coding = CodingFactory(source=SourceFactory(site=site_a, text="Paper referral forms again."))
    item = MirrorItemFactory(workshop=SessionFactory(series__site=site_a))
    entry = services.element_entry_create(
        model=models["present"],
        actor=facilitator,
        element=E.INSTRUMENTS,
        text="  Paper referral form  ",
        evidence_codings=[coding],
        evidence_mirror_items=[item],
    )
    assert entry.text == "Paper referral form"
    assert list(entry.evidence_codings.all()) == [coding]
    assert list(entry.evidence_mirror_items.all()) == [item]
    event = AuditEvent.objects.get(verb="added element entry")
    assert (event.actor, event.site, event.object_id) == (facilitator, site_a, str(entry.pk))


# --- versions ----------------------------------------------------------------------------


def test_a_new_version_copies_every_entry_and_its_evidence(site_a, facilitator, models):
    model = models["present"]
    coding = CodingFactory(source=SourceFactory(site=site_a, text="Corridor chats matter."))
    first = EntryFactory(model=model, element=E.RULES, text="Thresholds")
    first.evidence_codings.add(coding)
    EntryFactory(model=model, element=E.SUBJECT, text="The team")
    session = SessionFactory(series__site=site_a)
    copy = services.activity_model_new_version(model=model, actor=facilitator, built_in=session)
    assert (copy.version, copy.previous_version, copy.built_in) == (2, model, session)
    assert sorted(copy.entries.values_list("element", "text")) == [
        ("rules", "Thresholds"),
        ("subject", "The team"),
    ]
    assert list(copy.entries.get(text="Thresholds").evidence_codings.all()) == [coding]
    assert model.entries.count() == 2  # the old version is untouched
    assert AuditEvent.objects.filter(verb="made a new version of activity-system model").exists()


def test_only_the_latest_version_can_be_copied(site_a, facilitator, models):
    model = models["present"]
    services.activity_model_new_version(model=model, actor=facilitator)
    with pytest.raises(ValidationError, match="Version 2 of this model already exists"):
        services.activity_model_new_version(model=model, actor=facilitator)
    assert ActivitySystemModel.objects.filter(previous_version=model).count() == 1


# --- status history ----------------------------------------------------------------------


def test_the_current_status_is_the_latest_entry_of_the_history(site_a, facilitator, models):
    c = record(
        site_a,
        facilitator,
        level="primary",
        model=models["present"],
        element_a=E.RULES,
        date=datetime.date(2006, 1, 5),
    )
    assert c.status_history.get().status == ContradictionStatus.HYPOTHESISED
    session = SessionFactory(series__site=site_a, date=datetime.date(2006, 2, 1))
    services.contradiction_status_add(
        contradiction=c,
        actor=facilitator,
        status=ContradictionStatus.RECOGNISED,
        date=datetime.date(2006, 2, 1),
        workshop=session,
    )
    c.refresh_from_db()
    assert c.status == ContradictionStatus.RECOGNISED
    # A back-dated entry joins the history but does not become the current status.
    services.contradiction_status_add(
        contradiction=c,
        actor=facilitator,
        status=ContradictionStatus.PRESENTED,
        date=datetime.date(2006, 1, 20),
    )
    c.refresh_from_db()
    assert c.status == ContradictionStatus.RECOGNISED
    assert list(c.status_history.values_list("status", flat=True)) == [
        "hypothesised",
        "presented",
        "recognised",
    ]
    assert AuditEvent.objects.filter(verb="recorded contradiction status").count() == 2


def test_a_status_dated_in_the_future_or_in_another_sites_session_is_refused(
    site_a, site_b, facilitator
):
    c = ContradictionFactory(site=site_a)
    with pytest.raises(ValidationError, match="future"):
        services.contradiction_status_add(
            contradiction=c,
            actor=facilitator,
            status="worked_on",
            date=datetime.date.today() + datetime.timedelta(days=2),
        )
    with pytest.raises(ValidationError, match="this site only"):
        services.contradiction_status_add(
            contradiction=c,
            actor=facilitator,
            status="worked_on",
            date=datetime.date(2006, 1, 1),
            workshop=SessionFactory(series__site=site_b),
        )
    assert c.status_history.count() == 1


# --- experiments ---------------------------------------------------------------------------


def test_an_experiment_is_reviewed_in_a_later_session(site_a, facilitator):
    agreed = SessionFactory(series__site=site_a, date=datetime.date(2006, 5, 1))
    follow_up = SessionFactory(series=agreed.series, date=datetime.date(2006, 11, 1))
    experiment = services.experiment_create(
        site=site_a,
        actor=facilitator,
        title="Joint referral meeting",
        owner="Team manager",
        agreed_in=agreed,
        start=datetime.date(2006, 5, 8),
        review_date=datetime.date(2006, 10, 1),
    )
    services.experiment_update(
        experiment=experiment,
        actor=facilitator,
        reviewed_in=follow_up,
        status="adopted",
        outcome="Kept: referrals halved.",
    )
    experiment.refresh_from_db()
    assert (experiment.reviewed_in, experiment.status) == (follow_up, "adopted")
    with pytest.raises(ValidationError, match="before the session that agreed it"):
        services.experiment_update(
            experiment=experiment,
            actor=facilitator,
            agreed_in=follow_up,
            reviewed_in=agreed,
        )
    with pytest.raises(ValidationError, match="review date is before the start"):
        services.experiment_create(
            site=site_a,
            actor=facilitator,
            title="Backwards",
            owner="x",
            start=datetime.date(2006, 5, 8),
            review_date=datetime.date(2006, 5, 1),
        )
    assert Experiment.objects.count() == 1
    assert AuditEvent.objects.filter(verb="changed experiment").count() == 1
