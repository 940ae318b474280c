"""Access helpers for the analysis area (activity-system models, contradictions,
disturbances, experiments): each object is addressed under its site's code; an object of a
site the user is not a member of, or of another site than the one in the address, is a 404.
Analysis is planned and edited by facilitators and leads (`SiteAccess.can_plan`); every other
member of the site reads it."""

from __future__ import annotations

from django.http import Http404

from sites.access import SiteAccess, get_object_at_site_for_user, get_site_for_user

from .models import (
    ActivitySystemModel,
    Contradiction,
    Disturbance,
    ElementEntry,
    Experiment,
    SharedObject,
)


def get_activity_model_for_user(user, code: str, pk: int) -> tuple[ActivitySystemModel, SiteAccess]:
    models = ActivitySystemModel.objects.select_related("site", "built_in", "previous_version")
    return get_object_at_site_for_user(user, code, models, pk)


def get_element_entry_for_user(user, code: str, pk: int) -> tuple[ElementEntry, SiteAccess]:
    # An entry has no site of its own: it belongs to its model's site.
    access = get_site_for_user(user, code)
    try:
        entry = ElementEntry.objects.select_related("model", "model__site").get(
            model__site=access.site, pk=pk
        )
    except ElementEntry.DoesNotExist:
        raise Http404("No such element entry.") from None
    return entry, access


def get_shared_object_for_user(user, code: str, pk: int) -> tuple[SharedObject, SiteAccess]:
    shared = SharedObject.objects.select_related("site", "model_a", "model_b")
    return get_object_at_site_for_user(user, code, shared, pk)


def get_contradiction_for_user(user, code: str, pk: int) -> tuple[Contradiction, SiteAccess]:
    contradictions = Contradiction.objects.select_related("site", "model", "other_model")
    return get_object_at_site_for_user(user, code, contradictions, pk)


def get_disturbance_for_user(user, code: str, pk: int) -> tuple[Disturbance, SiteAccess]:
    return get_object_at_site_for_user(user, code, Disturbance.objects.select_related("site"), pk)


def get_experiment_for_user(user, code: str, pk: int) -> tuple[Experiment, SiteAccess]:
    experiments = Experiment.objects.select_related("site", "agreed_in", "reviewed_in")
    return get_object_at_site_for_user(user, code, experiments, pk)
