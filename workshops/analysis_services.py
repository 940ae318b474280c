"""Writes for the analysis area: activity-system models and their entries, third-generation
links, disturbances, contradictions with their status history, experiments.

Every function is keyword-only, validates with `full_clean` (and the cross-model rules below),
runs in one transaction and records an audit event, so a change and its audit land together
or not at all. Evidence (codings, mirror items, disturbances) must belong to the object's
site: a form offers only those, and the service checks again for every other caller.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from sites.models import Site
from sites.services import apply_changes, audit_record
from themes.models import Coding

from .models import (
    ActivitySystemModel,
    Contradiction,
    ContradictionLevel,
    ContradictionStatus,
    ContradictionStatusChange,
    Disturbance,
    ElementEntry,
    Experiment,
    MirrorItem,
    SharedObject,
    TimeLayer,
    Workshop,
)

MODEL_FIELDS = ("title", "layer", "perspective", "built_in", "notes")
EXPERIMENT_FIELDS = (
    "title",
    "description",
    "owner",
    "owner_participant",
    "agreed_in",
    "reviewed_in",
    "start",
    "review_date",
    "status",
    "outcome",
)


# --- shared checks ----------------------------------------------------------------------


def _check_same_site(site: Site, field: str, objects: Iterable, what: str) -> None:
    """Evidence and linked sessions must belong to the site of what they are linked to."""
    if any(obj.site_id != site.pk for obj in objects if obj is not None):
        raise ValidationError({field: f"Choose {what} of this site only."})


def _check_workshop(site: Site, field: str, workshop: Workshop | None) -> None:
    _check_same_site(site, field, [workshop], "a session")


# --- activity-system models -------------------------------------------------------------


@transaction.atomic
def activity_model_create(
    *,
    site: Site,
    actor,
    title: str,
    perspective: str,
    layer: str = TimeLayer.PRESENT,
    built_in: Workshop | None = None,
    notes: str = "",
) -> ActivitySystemModel:
    _check_workshop(site, "built_in", built_in)
    model = ActivitySystemModel(
        site=site,
        title=title,
        layer=layer,
        perspective=perspective,
        built_in=built_in,
        notes=notes,
        created_by=actor,
    )
    model.full_clean()
    model.save()
    audit_record(actor=actor, verb="created activity-system model", obj=model, site=site)
    return model


@transaction.atomic
def activity_model_update(*, model: ActivitySystemModel, actor, **values) -> ActivitySystemModel:
    _check_workshop(model.site, "built_in", values.get("built_in"))
    changes = apply_changes(model, MODEL_FIELDS, values)
    model.full_clean()
    model.save()
    if changes:
        audit_record(
            actor=actor,
            verb="changed activity-system model",
            obj=model,
            site=model.site,
            changes=changes,
        )
    return model


@transaction.atomic
def activity_model_new_version(
    *, model: ActivitySystemModel, actor, built_in: Workshop | None = None, notes: str = ""
) -> ActivitySystemModel:
    """Copy `model` with its entries and their evidence into version + 1. Only the latest
    version may be copied, so a model's versions form one line."""
    # Lock the model so two people copying it at once cannot both make version + 1.
    model = ActivitySystemModel.objects.select_for_update().select_related("site").get(pk=model.pk)
    later = model.next_versions.aggregate(v=Max("version"))["v"]
    if later is not None:
        raise ValidationError(
            f"Version {later} of this model already exists: make the new version from that one."
        )
    _check_workshop(model.site, "built_in", built_in)
    copy = ActivitySystemModel(
        site=model.site,
        title=model.title,
        layer=model.layer,
        perspective=model.perspective,
        built_in=built_in or model.built_in,
        version=model.version + 1,
        previous_version=model,
        notes=notes or model.notes,
        created_by=actor,
    )
    copy.full_clean()
    copy.save()
    entries = list(model.entries.prefetch_related("evidence_codings", "evidence_mirror_items"))
    new_entries = ElementEntry.objects.bulk_create(
        ElementEntry(model=copy, element=e.element, text=e.text, order=e.order) for e in entries
    )
    coding_links = ElementEntry.evidence_codings.through
    item_links = ElementEntry.evidence_mirror_items.through
    coding_links.objects.bulk_create(
        coding_links(elemententry_id=new.pk, coding_id=c.pk)
        for old, new in zip(entries, new_entries, strict=True)
        for c in old.evidence_codings.all()
    )
    item_links.objects.bulk_create(
        item_links(elemententry_id=new.pk, mirroritem_id=m.pk)
        for old, new in zip(entries, new_entries, strict=True)
        for m in old.evidence_mirror_items.all()
    )
    audit_record(
        actor=actor,
        verb="made a new version of activity-system model",
        obj=copy,
        site=model.site,
        changes={"copied_from": model.pk, "version": [model.version, copy.version]},
    )
    return copy


def _entry_evidence_check(model: ActivitySystemModel, codings, mirror_items) -> None:
    _check_same_site(model.site, "evidence_codings", codings, "coded excerpts")
    _check_same_site(model.site, "evidence_mirror_items", mirror_items, "mirror items")


@transaction.atomic
def element_entry_create(
    *,
    model: ActivitySystemModel,
    actor,
    element: str,
    text: str,
    evidence_codings: Iterable[Coding] = (),
    evidence_mirror_items: Iterable[MirrorItem] = (),
) -> ElementEntry:
    codings, items = list(evidence_codings), list(evidence_mirror_items)
    _entry_evidence_check(model, codings, items)
    last = model.entries.filter(element=element).aggregate(o=Max("order"))["o"]
    entry = ElementEntry(
        model=model, element=element, text=text.strip(), order=0 if last is None else last + 1
    )
    entry.full_clean()
    entry.save()
    entry.evidence_codings.set(codings)
    entry.evidence_mirror_items.set(items)
    audit_record(
        actor=actor,
        verb="added element entry",
        obj=entry,
        site=model.site,
        changes={"model": model.pk, "evidence_codings": [c.pk for c in codings]},
    )
    return entry


@transaction.atomic
def element_entry_update(
    *,
    entry: ElementEntry,
    actor,
    element: str,
    text: str,
    evidence_codings: Iterable[Coding] = (),
    evidence_mirror_items: Iterable[MirrorItem] = (),
) -> ElementEntry:
    codings, items = list(evidence_codings), list(evidence_mirror_items)
    _entry_evidence_check(entry.model, codings, items)
    changes = apply_changes(entry, ("element", "text"), {"element": element, "text": text.strip()})
    entry.full_clean()
    entry.save()
    before = sorted(entry.evidence_codings.values_list("pk", flat=True))
    entry.evidence_codings.set(codings)
    entry.evidence_mirror_items.set(items)
    after = sorted(c.pk for c in codings)
    if before != after:
        changes["evidence_codings"] = [before, after]
    audit_record(
        actor=actor,
        verb="changed element entry",
        obj=entry,
        site=entry.model.site,
        changes=changes,
    )
    return entry


@transaction.atomic
def element_entry_delete(*, entry: ElementEntry, actor) -> None:
    site = entry.model.site
    audit_record(
        actor=actor,
        verb="deleted element entry",
        obj=entry,
        site=site,
        changes={"model": entry.model_id, "element": entry.element, "text": entry.text},
    )
    entry.delete()


@transaction.atomic
def shared_object_create(
    *,
    site: Site,
    actor,
    model_a: ActivitySystemModel,
    model_b: ActivitySystemModel,
    text: str,
) -> SharedObject:
    _check_same_site(site, "model_b", [model_a, model_b], "models")
    if model_a.pk == model_b.pk:
        raise ValidationError({"model_b": "Choose two different models."})
    shared = SharedObject(site=site, model_a=model_a, model_b=model_b, text=text.strip())
    shared.full_clean()
    shared.save()
    audit_record(actor=actor, verb="linked models by a shared object", obj=shared, site=site)
    return shared


# --- disturbances -----------------------------------------------------------------------


@transaction.atomic
def disturbance_create(
    *,
    site: Site,
    actor,
    date: datetime.date,
    title: str,
    description: str = "",
    is_workaround: bool = False,
    codings: Iterable[Coding] = (),
) -> Disturbance:
    codings = list(codings)
    _check_same_site(site, "codings", codings, "coded excerpts")
    disturbance = Disturbance(
        site=site,
        date=date,
        title=title,
        description=description,
        is_workaround=is_workaround,
        created_by=actor,
    )
    disturbance.full_clean()
    disturbance.save()
    disturbance.codings.set(codings)
    audit_record(
        actor=actor,
        verb="recorded disturbance",
        obj=disturbance,
        site=site,
        changes={"codings": [c.pk for c in codings]},
    )
    return disturbance


# --- contradictions ---------------------------------------------------------------------


def contradiction_validate(contradiction: Contradiction) -> None:
    """The per-level rules of DOMAIN A3. `Contradiction.clean` checks the elements and
    which models are linked; here also what the linked models must be: a tertiary
    contradiction runs from a present-layer model to a future (more advanced) one, and a
    quaternary one between the central model and a neighbour's, seen from another
    perspective."""
    contradiction.full_clean()
    level, model, other = contradiction.level, contradiction.model, contradiction.other_model
    if level == ContradictionLevel.TERTIARY and model.layer != TimeLayer.PRESENT:
        raise ValidationError(
            {"model": "A tertiary contradiction starts from a present-layer model."}
        )
    if (
        level == ContradictionLevel.QUATERNARY
        and other is not None
        and other.perspective.strip().casefold() == model.perspective.strip().casefold()
    ):
        raise ValidationError(
            {
                "other_model": "A quaternary contradiction links the central model to a "
                "neighbour's: choose a model seen from another perspective."
            }
        )


def _current_status(contradiction: Contradiction) -> str:
    latest = contradiction.status_history.order_by("-date", "-recorded_at", "-pk").first()
    return latest.status if latest else ContradictionStatus.HYPOTHESISED


@transaction.atomic
def contradiction_create(
    *,
    site: Site,
    actor,
    level: str,
    model: ActivitySystemModel,
    element_a: str,
    formulation: str,
    element_b: str = "",
    other_model: ActivitySystemModel | None = None,
    description: str = "",
    evidence_codings: Iterable[Coding] = (),
    evidence_mirror_items: Iterable[MirrorItem] = (),
    disturbances: Iterable[Disturbance] = (),
    status: str = ContradictionStatus.HYPOTHESISED,
    date: datetime.date | None = None,
    workshop: Workshop | None = None,
) -> Contradiction:
    """Record a contradiction and the first entry of its status history (by default
    'hypothesised by researchers', today)."""
    codings, items, incidents = (
        list(evidence_codings),
        list(evidence_mirror_items),
        list(disturbances),
    )
    _check_same_site(site, "evidence_codings", codings, "coded excerpts")
    _check_same_site(site, "evidence_mirror_items", items, "mirror items")
    _check_same_site(site, "disturbances", incidents, "disturbances")
    _check_workshop(site, "workshop", workshop)
    contradiction = Contradiction(
        site=site,
        level=level,
        model=model,
        element_a=element_a,
        element_b=element_b or "",
        other_model=other_model,
        formulation=formulation.strip(),
        description=description,
        status=status,
        created_by=actor,
    )
    contradiction_validate(contradiction)
    contradiction.save()
    contradiction.evidence_codings.set(codings)
    contradiction.evidence_mirror_items.set(items)
    contradiction.disturbances.set(incidents)
    change = ContradictionStatusChange(
        contradiction=contradiction,
        status=status,
        date=date or datetime.date.today(),
        workshop=workshop,
        recorded_by=actor,
    )
    change.full_clean()
    change.save()
    audit_record(
        actor=actor,
        verb="recorded contradiction",
        obj=contradiction,
        site=site,
        changes={
            "level": level,
            "status": status,
            "evidence_codings": [c.pk for c in codings],
            "disturbances": [d.pk for d in incidents],
        },
    )
    return contradiction


@transaction.atomic
def contradiction_status_add(
    *,
    contradiction: Contradiction,
    actor,
    status: str,
    date: datetime.date,
    workshop: Workshop | None = None,
    note: str = "",
) -> ContradictionStatusChange:
    """Append a dated entry to the status history. The contradiction's current status is
    the latest entry by date, so a back-dated entry leaves it unchanged."""
    _check_workshop(contradiction.site, "workshop", workshop)
    if date > datetime.date.today():
        raise ValidationError({"date": "A status change cannot be dated in the future."})
    # Lock the row: two entries recorded at once must not both decide the current status.
    contradiction = (
        Contradiction.objects.select_for_update().select_related("site").get(pk=contradiction.pk)
    )
    change = ContradictionStatusChange(
        contradiction=contradiction,
        status=status,
        date=date,
        workshop=workshop,
        note=note,
        recorded_by=actor,
    )
    change.full_clean()
    change.save()
    before = contradiction.status
    contradiction.status = _current_status(contradiction)
    contradiction.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        verb="recorded contradiction status",
        obj=contradiction,
        site=contradiction.site,
        changes={
            "entry": [status, date.isoformat(), workshop.pk if workshop else None],
            "status": [before, contradiction.status],
        },
    )
    return change


# --- experiments ------------------------------------------------------------------------


def _experiment_validate(experiment: Experiment, contradictions: list[Contradiction]) -> None:
    site = experiment.site
    _check_workshop(site, "agreed_in", experiment.agreed_in)
    _check_workshop(site, "reviewed_in", experiment.reviewed_in)
    _check_same_site(site, "owner_participant", [experiment.owner_participant], "a participant")
    _check_same_site(site, "contradictions", contradictions, "contradictions")
    experiment.full_clean()
    agreed, reviewed = experiment.agreed_in, experiment.reviewed_in
    if agreed and reviewed:
        if agreed.pk == reviewed.pk:
            raise ValidationError(
                {
                    "reviewed_in": "An experiment is reviewed in a later session than the one "
                    "that agreed it."
                }
            )
        if agreed.date and reviewed.date and reviewed.date < agreed.date:
            raise ValidationError(
                {"reviewed_in": "The review session is before the session that agreed it."}
            )


@transaction.atomic
def experiment_create(
    *, site: Site, actor, contradictions: Iterable[Contradiction] = (), **values
) -> Experiment:
    contradictions = list(contradictions)
    experiment = Experiment(site=site, created_by=actor)
    apply_changes(experiment, EXPERIMENT_FIELDS, values)
    _experiment_validate(experiment, contradictions)
    experiment.save()
    experiment.contradictions.set(contradictions)
    audit_record(actor=actor, verb="recorded experiment", obj=experiment, site=site)
    return experiment


@transaction.atomic
def experiment_update(
    *,
    experiment: Experiment,
    actor,
    contradictions: Iterable[Contradiction] | None = None,
    **values,
) -> Experiment:
    changes = apply_changes(experiment, EXPERIMENT_FIELDS, values)
    linked = (
        list(contradictions)
        if contradictions is not None
        else list(experiment.contradictions.all())
    )
    _experiment_validate(experiment, linked)
    if changes.get("review_date") or changes.get("start"):
        # Calendars that imported the review date must see a newer version of the event.
        experiment.ics_sequence += 1
    experiment.save()
    if contradictions is not None:
        experiment.contradictions.set(linked)
    if changes:
        audit_record(
            actor=actor,
            verb="changed experiment",
            obj=experiment,
            site=experiment.site,
            changes=changes,
        )
    return experiment
