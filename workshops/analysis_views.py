"""Views of the analysis area: login → access helper → form → one service call → message →
redirect, else the form again with its errors. Facilitators and leads change things
(`can_plan`); every member of the site reads."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sites.access import SiteAccess, get_site_for_user, require

from . import analysis_selectors as selectors
from . import analysis_services as services
from .analysis_access import (
    get_activity_model_for_user,
    get_contradiction_for_user,
    get_disturbance_for_user,
    get_element_entry_for_user,
    get_experiment_for_user,
    get_shared_object_for_user,
)
from .analysis_forms import (
    ActivityModelForm,
    ContradictionForm,
    ContradictionStatusForm,
    DisturbanceForm,
    ElementEntryForm,
    ExperimentForm,
    NewVersionForm,
    SharedObjectForm,
    experiment_initial,
)
from .svg import third_generation_svg, triangle_svg

T = "workshops/analysis/"


def _url(name: str, access: SiteAccess, pk: int | None = None) -> str:
    kwargs = {"code": access.site.code} | ({"pk": pk} if pk is not None else {})
    return reverse(f"analysis:{name}", kwargs=kwargs)


def _attempt(form, action: Callable):
    """Run the service; a ValidationError lands on the form (on its field when the form has
    one of that name), and None is returned."""
    try:
        return action()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return None


def _form_page(request, access: SiteAccess, form, title: str, **extra) -> HttpResponse:
    return render(
        request,
        T + "form.html",
        {"form": form, "site": access.site, "access": access, "title": title, **extra},
    )


def _entry_values(data: dict) -> dict:
    return {
        "element": data["element"],
        "text": data["text"],
        "evidence_codings": data.get("evidence_codings") or [],
        "evidence_mirror_items": data.get("evidence_mirror_items") or [],
    }


# --- index ------------------------------------------------------------------------------


@require_GET
def index(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    return render(
        request,
        T + "index.html",
        {"site": access.site, "access": access, **selectors.analysis_index(site=access.site)},
    )


# --- activity-system models -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def model_create(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    require(access.can_plan)
    form = ActivityModelForm(request.POST or None, site=access.site)
    if request.method == "POST" and form.is_valid():
        model = _attempt(
            form,
            lambda: services.activity_model_create(
                site=access.site, actor=request.user, **form.cleaned_data
            ),
        )
        if model:
            messages.success(request, f"Model “{model.title}” created: add its entries.")
            return redirect(_url("model-detail", access, model.pk))
    return _form_page(request, access, form, "New activity-system model")


@require_GET
def model_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    model, access = get_activity_model_for_user(request.user, code, pk)
    detail = selectors.model_detail(model=model)
    entry_form = ElementEntryForm(site=access.site) if access.can_plan else None
    if entry_form:
        entry_form.helper.form_action = _url("model-entry-create", access, model.pk)
    return render(
        request,
        T + "model_detail.html",
        {
            "model": model,
            "site": access.site,
            "access": access,
            "svg": triangle_svg(detail["view"]),
            "entry_form": entry_form,
            **detail,
        },
    )


@require_GET
def model_svg(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    model, access = get_activity_model_for_user(request.user, code, pk)
    view = selectors.model_views([model], site=access.site)[0]
    response = HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + triangle_svg(view),
        content_type="image/svg+xml; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{access.site.code}-model-{model.pk}-v{model.version}.svg"'
    )
    return response


@require_http_methods(["GET", "POST"])
def model_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    model, access = get_activity_model_for_user(request.user, code, pk)
    require(access.can_plan)
    initial = {f: getattr(model, f) for f in services.MODEL_FIELDS}
    form = ActivityModelForm(
        request.POST or None, initial=initial, site=access.site, submit="Save changes"
    )
    if request.method == "POST" and form.is_valid():
        saved = _attempt(
            form,
            lambda: services.activity_model_update(
                model=model, actor=request.user, **form.cleaned_data
            ),
        )
        if saved:
            messages.success(request, "Model saved.")
            return redirect(_url("model-detail", access, model.pk))
    return _form_page(request, access, form, f"Edit “{model.title}”", model=model)


@require_http_methods(["GET", "POST"])
def model_new_version(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    model, access = get_activity_model_for_user(request.user, code, pk)
    require(access.can_plan)
    form = NewVersionForm(request.POST or None, site=access.site)
    if request.method == "POST" and form.is_valid():
        copy = _attempt(
            form,
            lambda: services.activity_model_new_version(
                model=model, actor=request.user, **form.cleaned_data
            ),
        )
        if copy:
            messages.success(request, f"Version {copy.version} made, with every entry copied.")
            return redirect(_url("model-detail", access, copy.pk))
    return _form_page(
        request,
        access,
        form,
        f"New version of “{model.title}” (from version {model.version})",
        model=model,
        intro="Every entry and its evidence is copied into the new version; this version "
        "stays as it is.",
    )


# --- element entries --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def model_entry_create(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    model, access = get_activity_model_for_user(request.user, code, pk)
    require(access.can_plan)
    form = ElementEntryForm(request.POST or None, site=access.site)
    if request.method == "POST" and form.is_valid():
        entry = _attempt(
            form,
            lambda: services.element_entry_create(
                model=model, actor=request.user, **_entry_values(form.cleaned_data)
            ),
        )
        if entry:
            messages.success(request, f"{entry.get_element_display()} entry added.")
            return redirect(_url("model-detail", access, model.pk) + "#entries")
    return _form_page(request, access, form, f"Add an entry to “{model.title}”", model=model)


@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    entry, access = get_element_entry_for_user(request.user, code, pk)
    require(access.can_plan)
    initial = {
        "element": entry.element,
        "text": entry.text,
        "evidence_codings": list(entry.evidence_codings.values_list("pk", flat=True)),
        "evidence_mirror_items": list(entry.evidence_mirror_items.values_list("pk", flat=True)),
    }
    form = ElementEntryForm(
        request.POST or None, initial=initial, site=access.site, submit="Save entry"
    )
    if request.method == "POST" and form.is_valid():
        saved = _attempt(
            form,
            lambda: services.element_entry_update(
                entry=entry, actor=request.user, **_entry_values(form.cleaned_data)
            ),
        )
        if saved:
            messages.success(request, "Entry saved.")
            return redirect(_url("model-detail", access, entry.model_id) + "#entries")
    return _form_page(request, access, form, "Edit entry", model=entry.model)


@require_POST
def entry_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    entry, access = get_element_entry_for_user(request.user, code, pk)
    require(access.can_plan)
    model_id = entry.model_id
    services.element_entry_delete(entry=entry, actor=request.user)
    messages.success(request, "Entry removed.")
    return redirect(_url("model-detail", access, model_id) + "#entries")


# --- third generation -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def shared_object_create(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    require(access.can_plan)
    form = SharedObjectForm(request.POST or None, site=access.site)
    if request.method == "POST" and form.is_valid():
        shared = _attempt(
            form,
            lambda: services.shared_object_create(
                site=access.site, actor=request.user, **form.cleaned_data
            ),
        )
        if shared:
            messages.success(request, "Models linked by their shared object.")
            return redirect(_url("shared-object-detail", access, shared.pk))
    return _form_page(
        request,
        access,
        form,
        "Link two models by a shared object",
        intro="The third-generation view shows the central model and a neighbour's model "
        "side by side, with the object they partly share between them.",
    )


def _third_generation(shared) -> tuple[dict, str]:
    detail = selectors.shared_object_detail(shared=shared)
    svg = third_generation_svg(
        detail["central"], detail["neighbour"], [s.text for s in detail["shared_objects"]]
    )
    return detail, svg


@require_GET
def shared_object_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    shared, access = get_shared_object_for_user(request.user, code, pk)
    detail, svg = _third_generation(shared)
    return render(
        request,
        T + "third_generation.html",
        {"shared": shared, "site": access.site, "access": access, "svg": svg, **detail},
    )


@require_GET
def shared_object_svg(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    shared, access = get_shared_object_for_user(request.user, code, pk)
    _, svg = _third_generation(shared)
    response = HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + svg,
        content_type="image/svg+xml; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{access.site.code}-third-generation-{shared.pk}.svg"'
    )
    return response


# --- disturbances -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def disturbance_create(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    require(access.can_plan)
    form = DisturbanceForm(request.POST or None, site=access.site)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        codings = data.pop("evidence_codings") or []
        disturbance = _attempt(
            form,
            lambda: services.disturbance_create(
                site=access.site, actor=request.user, codings=codings, **data
            ),
        )
        if disturbance:
            messages.success(request, "Disturbance recorded.")
            return redirect(_url("disturbance-detail", access, disturbance.pk))
    return _form_page(request, access, form, "Record a disturbance")


@require_GET
def disturbance_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    disturbance, access = get_disturbance_for_user(request.user, code, pk)
    return render(
        request,
        T + "disturbance_detail.html",
        {
            "disturbance": disturbance,
            "site": access.site,
            "access": access,
            **selectors.disturbance_detail(disturbance=disturbance),
        },
    )


# --- contradictions ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def contradiction_create(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    require(access.can_plan)
    initial = {}
    if model_pk := request.GET.get("model", "").strip():
        initial["model"] = model_pk if model_pk.isdigit() else None
    form = ContradictionForm(request.POST or None, initial=initial, site=access.site)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        contradiction = _attempt(
            form,
            lambda: services.contradiction_create(
                site=access.site,
                actor=request.user,
                evidence_codings=data.pop("evidence_codings") or [],
                evidence_mirror_items=data.pop("evidence_mirror_items") or [],
                disturbances=data.pop("disturbances") or [],
                **data,
            ),
        )
        if contradiction:
            messages.success(request, "Contradiction recorded as hypothesised.")
            return redirect(_url("contradiction-detail", access, contradiction.pk))
    return _form_page(request, access, form, "Record a contradiction")


@require_GET
def contradiction_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    contradiction, access = get_contradiction_for_user(request.user, code, pk)
    status_form = None
    if access.can_plan:
        status_form = ContradictionStatusForm(site=access.site)
        status_form.helper.form_action = _url("contradiction-status", access, contradiction.pk)
    return render(
        request,
        T + "contradiction_detail.html",
        {
            "contradiction": contradiction,
            "site": access.site,
            "access": access,
            "status_form": status_form,
            **selectors.contradiction_detail(contradiction=contradiction),
        },
    )


@require_http_methods(["GET", "POST"])
def contradiction_status(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    contradiction, access = get_contradiction_for_user(request.user, code, pk)
    require(access.can_plan)
    form = ContradictionStatusForm(request.POST or None, site=access.site)
    if request.method == "POST" and form.is_valid():
        change = _attempt(
            form,
            lambda: services.contradiction_status_add(
                contradiction=contradiction, actor=request.user, **form.cleaned_data
            ),
        )
        if change:
            messages.success(request, f"Status “{change.get_status_display()}” recorded.")
            return redirect(_url("contradiction-detail", access, contradiction.pk))
    return _form_page(
        request,
        access,
        form,
        f"Status of “{contradiction.formulation}”",
        contradiction=contradiction,
    )


# --- experiments ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def experiment_create(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    require(access.can_plan)
    form = ExperimentForm(request.POST or None, site=access.site, submit="Add experiment")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        experiment = _attempt(
            form,
            lambda: services.experiment_create(
                site=access.site,
                actor=request.user,
                contradictions=data.pop("contradictions") or [],
                **data,
            ),
        )
        if experiment:
            messages.success(request, f"Experiment “{experiment.title}” added.")
            return redirect(_url("index", access) + "#experiments")
    return _form_page(request, access, form, "Add an experiment (agreed change)")


@require_http_methods(["GET", "POST"])
def experiment_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    experiment, access = get_experiment_for_user(request.user, code, pk)
    require(access.can_plan)
    form = ExperimentForm(
        request.POST or None,
        initial=experiment_initial(experiment),
        site=access.site,
        submit="Save experiment",
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        saved = _attempt(
            form,
            lambda: services.experiment_update(
                experiment=experiment,
                actor=request.user,
                contradictions=data.pop("contradictions") or [],
                **data,
            ),
        )
        if saved:
            messages.success(request, "Experiment saved.")
            return redirect(_url("index", access) + "#experiments")
    return _form_page(request, access, form, f"Edit experiment “{experiment.title}”")
