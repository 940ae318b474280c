from __future__ import annotations

from contextlib import nullcontext

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sites.access import ApplicationError, get_participant_for_user, get_site_for_user, require
from sites.models import ResearchPhase, is_project_lead
from sites.services import audit_record

from . import documents, erasure, exports, rendering, selectors, services
from .access import (
    can_code_somewhere,
    can_manage_codebook,
    get_coding_for_user,
    get_exercise_for_user,
    get_memo_for_user,
    get_source_for_coding,
)
from .forms import (
    CodingForm,
    CodingMemoForm,
    ErasureForm,
    ExerciseForm,
    FilterForm,
    MemoForm,
    MergeForm,
    PanelCodingsForm,
    ThemeForm,
    ThemePairForm,
)
from .models import Memo, Theme
from .rendering import dashboard_matrix_rows
from .workspace import source_workspace


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _form_error_text(form) -> str:
    return " ".join(e for errors in form.errors.values() for e in errors)


def _plain_error(message: str, status: int = 400) -> HttpResponse:
    """An error the coding workspace's script shows as it is, in plain words."""
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


# --- codebook ---------------------------------------------------------------------------


@require_GET
def codebook(request: HttpRequest) -> HttpResponse:
    require(can_code_somewhere(request.user) or bool(selectors.visible_site_list(request.user)))
    nodes = selectors.codebook_tree(user=request.user)
    return render(
        request,
        "themes/codebook.html",
        {
            "nodes": nodes,
            "can_add": can_code_somewhere(request.user),
            "can_manage": can_manage_codebook(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def theme_create(request: HttpRequest) -> HttpResponse:
    require(can_code_somewhere(request.user), "Only researchers and leads add themes.")
    form = ThemeForm(request.POST or None, user=request.user, submit_label="Add theme")
    if request.method == "POST" and form.is_valid():
        try:
            theme = services.theme_create(actor=request.user, **form.service_fields())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Theme “{theme}” added to the codebook.")
            return redirect("themes:codebook")
    return render(request, "themes/theme_form.html", {"form": form, "title": "Add a theme"})


def _phases() -> list[ResearchPhase]:
    return list(ResearchPhase.objects.all())


def _filter_form(request: HttpRequest, sites, phases, *, with_sites: bool = True) -> FilterForm:
    return FilterForm(
        request.GET or None,
        sites=sites,
        phases=phases,
        with_sites=with_sites,
        coders=selectors.coder_choices(user=request.user, sites=sites),
    )


@require_GET
def theme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Retrieval: every coded excerpt of the theme the user may see, with provenance."""
    theme = get_object_or_404(Theme.objects.select_related("parent"), pk=pk)
    sites = selectors.visible_site_list(request.user)
    if not sites:
        raise PermissionDenied("You are not a member of any site.")
    phases = _phases()
    form = _filter_form(request, sites, phases)
    filters = form.filters()
    include_sub = request.GET.get("sub") == "1"
    theme_ids = theme.descendant_ids() if include_sub else [theme.pk]
    qs = selectors.excerpt_queryset(
        user=request.user, filters=filters, phases=phases, theme_ids=theme_ids
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    excerpts = selectors.with_phases(page.object_list, phases, context=True, user=request.user)
    memos = list(theme.memos.select_related("author"))
    query = request.GET.copy()
    query.pop("page", None)
    toggle = query.copy()
    if include_sub:
        toggle.pop("sub", None)
    else:
        toggle["sub"] = "1"
    return render(
        request,
        "themes/theme_detail.html",
        {
            "theme": theme,
            "form": form,
            "page": page,
            "excerpts": excerpts,
            "include_sub": include_sub,
            "has_children": theme.children.exists(),
            "querystring": query.urlencode(),
            "toggle_query": toggle.urlencode(),
            "memos": memos,
            "can_manage": can_manage_codebook(request.user),
            "can_memo": can_code_somewhere(request.user),
            "all_sites": is_project_lead(request.user),
            "sites": sites,
            "blind_exercises": selectors.blind_exercises_of(user=request.user),
        },
    )


@never_cache
@require_GET
def theme_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    theme = get_object_or_404(Theme, pk=pk)
    sites = selectors.visible_site_list(request.user)
    if not sites:
        raise PermissionDenied("You are not a member of any site.")
    if fmt not in exports.FORMATS:
        return HttpResponse("Unknown export format.", status=404, content_type="text/plain")
    phases = _phases()
    filters = _filter_form(request, sites, phases).filters()
    theme_ids = theme.descendant_ids() if request.GET.get("sub") == "1" else [theme.pk]
    qs = selectors.excerpt_queryset(
        user=request.user, filters=filters, phases=phases, theme_ids=theme_ids
    )
    limit = settings.DOCUMENT_IN_REQUEST_MAX_EXCERPTS
    rows = list(qs[: limit + 1])
    if len(rows) > limit:
        # Beyond what a request makes quickly: a worker makes the whole export (no cap).
        documents.document_request(
            user=request.user,
            kind="excerpts",
            params={"theme": theme.pk, "fmt": fmt, "query": request.GET.urlencode()},
            title=f"Excerpts coded “{theme.name}” ({fmt.upper()})",
        )
        messages.success(
            request,
            f"More than {limit:,} excerpts: the {fmt.upper()} file is being made in the "
            "background and appears below when ready.",
        )
        return redirect("themes:documents")
    excerpts = selectors.with_phases(rows, phases)
    response = exports.export_response(fmt, theme=theme, excerpts=excerpts)
    audit_record(
        actor=request.user,
        verb="excerpts.export",
        obj=theme,
        changes={"format": fmt, "excerpts": len(excerpts), "filters": request.GET.urlencode()},
    )
    return response


@require_http_methods(["GET", "POST"])
def theme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    theme = get_object_or_404(Theme, pk=pk)
    require(can_manage_codebook(request.user), "Only project leads change the codebook.")
    form = ThemeForm(request.POST or None, instance=theme, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.theme_update(
                theme=Theme.objects.get(pk=pk), actor=request.user, **form.service_fields()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Theme saved.")
            return redirect("themes:codebook")
    return render(
        request,
        "themes/theme_form.html",
        {"form": form, "title": f"Edit theme “{Theme.objects.get(pk=pk)}”", "theme": theme},
    )


@require_http_methods(["GET", "POST"])
def theme_merge(request: HttpRequest, pk: int) -> HttpResponse:
    theme = get_object_or_404(Theme, pk=pk)
    require(can_manage_codebook(request.user), "Only project leads change the codebook.")
    form = MergeForm(request.POST or None, user=request.user, theme=theme)
    if request.method == "POST" and form.is_valid():
        try:
            merged = services.theme_merge(
                theme=theme, into=form.cleaned_data["into"], actor=request.user
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _merge_message(theme.name, merged))
            return redirect(merged.into.get_absolute_url())
    return render(
        request,
        "themes/theme_form.html",
        {"form": form, "title": f"Merge “{theme}” into another theme", "theme": theme},
    )


def _merge_message(name: str, merged: services.ThemeMerged) -> str:
    def codings(n: int) -> str:
        return f"{n} coding{pluralize(n)}"

    message = f"“{name}” merged into “{merged.into}”: {codings(merged.moved)} moved."
    if merged.folded:
        message += (
            f" {codings(merged.folded)} repeated a coding the same coder had made with "
            f"“{merged.into}” on the same words, so {pluralize(merged.folded, 'it was,they were')} "
            "folded into that one (memos kept)."
        )
    return message


@require_POST
def theme_retire(request: HttpRequest, pk: int) -> HttpResponse:
    theme = get_object_or_404(Theme, pk=pk)
    require(can_manage_codebook(request.user), "Only project leads change the codebook.")
    retire = request.POST.get("retired", "1") != "0"
    services.theme_retire(theme=theme, actor=request.user, retired=retire)
    messages.success(
        request, f"“{theme}” {'retired: it can no longer be applied' if retire else 'reinstated'}."
    )
    return redirect("themes:codebook")


@require_POST
def theme_memo_create(request: HttpRequest, pk: int) -> HttpResponse:
    theme = get_object_or_404(Theme, pk=pk)
    require(can_code_somewhere(request.user), "Only researchers and leads write memos.")
    form = MemoForm(request.POST)
    if form.is_valid():
        services.memo_create(author=request.user, text=form.cleaned_data["text"], theme=theme)
        messages.success(request, "Memo added.")
    else:
        messages.error(request, _form_error_text(form))
    return redirect(theme.get_absolute_url() + "#memos")


# --- coding workspace -------------------------------------------------------------------


@never_cache
@require_GET
def source_codings_json(request: HttpRequest, pk: int) -> JsonResponse | HttpResponse:
    """What the coding panel shows for the codings `?ids=1,2,3` of a source: coder, date,
    memo, quote. The panel asks when a passage is clicked, so a page with hundreds of codings
    does not carry them all, and what it shows is current (another coder's memo, say)."""
    source, access = get_source_for_coding(request.user, pk)
    form = PanelCodingsForm(request.GET)
    if not form.is_valid():
        return _plain_error(_form_error_text(form))
    ws = source_workspace(
        source=source, user=request.user, access=access, pks=form.cleaned_data["ids"]
    )
    return JsonResponse(rendering.workspace_codings_payload(ws))


@require_GET
def source_code(request: HttpRequest, pk: int) -> HttpResponse:
    source, access = get_source_for_coding(request.user, pk)
    ws = source_workspace(source=source, user=request.user, access=access, page=True)
    return render(request, "themes/source_code.html", rendering.workspace_page_context(ws))


@require_GET
def source_turns_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    source, access = get_source_for_coding(request.user, pk)
    ws = source_workspace(source=source, user=request.user, access=access)
    return HttpResponse(rendering.workspace_fragment(ws, request))


@never_cache
@require_POST
def coding_create(request: HttpRequest, pk: int) -> HttpResponse:
    source, access = get_source_for_coding(request.user, pk)
    require(access.can_edit, "Your role does not allow coding at this site.")
    form = CodingForm(request.POST)
    if not form.is_valid():
        return _plain_error(_form_error_text(form))
    data = form.cleaned_data
    theme = data["theme"]
    try:
        # An emergent theme and its first coding are saved together or not at all; an
        # existing theme needs only the service's own transaction.
        with transaction.atomic() if theme is None else nullcontext():
            if theme is None:
                theme = services.theme_get_or_create(actor=request.user, name=data["new_theme"])
            coding = services.coding_create(
                source=source,
                theme=theme,
                coder=request.user,
                start=data["start"],
                end=data["end"],
                memo=data.get("memo") or "",
            )
    except ValidationError as exc:
        return _plain_error(_error_text(exc))
    ws = source_workspace(
        source=source, user=request.user, access=access, span=(coding.start, coding.end)
    )
    return JsonResponse(rendering.coding_created_payload(ws, coding, theme), status=201)


@require_POST
def coding_delete(request: HttpRequest, pk: int) -> HttpResponse:
    coding, access = get_coding_for_user(request.user, pk)
    require(access.can_edit, "Your role does not allow changing codings at this site.")
    source = coding.source
    services.coding_delete(coding=coding, actor=request.user)
    if _wants_json(request):
        ws = source_workspace(source=source, user=request.user, access=access)
        return JsonResponse({"html": rendering.workspace_fragment(ws, request)})
    messages.success(request, "Coding removed.")
    return redirect("themes:source-code", pk=source.pk)


@never_cache
@require_POST
def coding_memo(request: HttpRequest, pk: int) -> HttpResponse:
    coding, access = get_coding_for_user(request.user, pk)
    require(access.can_edit, "Your role does not allow changing codings at this site.")
    form = CodingMemoForm(request.POST)
    if not form.is_valid():
        return _plain_error(_form_error_text(form))
    try:
        coding = services.coding_set_memo(
            coding=coding,
            actor=request.user,
            memo=form.cleaned_data["memo"],
            version=form.cleaned_data["version"] or None,
        )
    except ApplicationError as exc:
        if _wants_json(request):
            return _plain_error(str(exc), status=409)
        messages.error(request, str(exc))
        return redirect("themes:source-code", pk=coding.source_id)
    if _wants_json(request):
        ws = source_workspace(source=coding.source, user=request.user, access=access)
        return JsonResponse(rendering.coding_memo_payload(ws, coding, request))
    messages.success(request, "Memo saved.")
    return redirect("themes:source-code", pk=coding.source_id)


@require_POST
def source_memo_create(request: HttpRequest, pk: int) -> HttpResponse:
    source, access = get_source_for_coding(request.user, pk)
    require(access.can_edit, "Your role does not allow writing memos at this site.")
    form = MemoForm(request.POST)
    if form.is_valid():
        services.memo_create(author=request.user, text=form.cleaned_data["text"], source=source)
        messages.success(request, "Memo added.")
    else:
        messages.error(request, _form_error_text(form))
    return redirect(reverse("themes:source-code", kwargs={"pk": source.pk}) + "#source-memos")


@require_POST
def memo_delete(request: HttpRequest, pk: int) -> HttpResponse:
    memo, access = get_memo_for_user(request.user, pk)
    if access is not None:
        require(access.can_edit, "Your role does not allow deleting memos at this site.")
    require(
        memo.author_id == request.user.pk or is_project_lead(request.user),
        "Only the memo's author or a project lead may delete it.",
    )
    target = (
        reverse("themes:source-code", kwargs={"pk": memo.source_id})
        if memo.source_id
        else reverse("themes:theme-detail", kwargs={"pk": memo.theme_id})
    )
    services.memo_delete(memo=memo, actor=request.user)
    messages.success(request, "Memo deleted.")
    return redirect(target)


@require_GET
def site_memos(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    memos, coding_memos = selectors.site_memos(site=access.site, user=request.user)
    theme_memos = list(Memo.objects.filter(theme__isnull=False).select_related("theme", "author"))
    return render(
        request,
        "themes/site_memos.html",
        {
            "access": access,
            "site": access.site,
            "memos": memos,
            "coding_memos": coding_memos,
            "theme_memos": theme_memos,
        },
    )


# --- dashboard --------------------------------------------------------------------------


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    sites = selectors.visible_site_list(request.user)
    if not sites:
        raise PermissionDenied("You are not a member of any site.")
    phases = _phases()
    form = _filter_form(request, sites, phases, with_sites=False)
    filters = form.filters()
    filters.q = ""
    measure = request.GET.get("measure", "excerpts")
    if measure not in selectors.MEASURES:
        measure = "excerpts"
    data = selectors.dashboard_data(
        user=request.user, filters=filters, measure=measure, sites=sites, phases=phases
    )
    query = request.GET.copy()
    query.pop("measure", None)
    base_query = query.urlencode()
    chart = {
        "type": "bar",
        "labels": [f"Phase {p.number}" for p in phases] + (["Undated"] if data.undated else []),
        "datasets": [
            {
                "label": r.node.theme.name,
                "colour": r.node.theme.colour,
                "data": r.by_phase if data.undated else r.by_phase[:-1],
            }
            for r in data.rows
            if r.node.theme.codable and sum(r.by_phase)
        ],
    }
    return render(
        request,
        "themes/dashboard.html",
        {
            "data": data,
            "form": form,
            "measure": measure,
            "measures": selectors.MEASURES,
            "measure_label": selectors.MEASURES[measure],
            "measure_unit": selectors.MEASURE_UNITS[measure],
            "base_query": base_query,
            "chart": chart,
            "unmapped_coded_turns": selectors.unmapped_coded_turns(user=request.user, sites=sites),
            "matrix_rows": dashboard_matrix_rows(
                data, measure_label=selectors.MEASURES[measure], cell_query=_cell_query(request)
            ),
        },
    )


def _cell_query(request: HttpRequest, drop: tuple[str, ...] = ()) -> str:
    """The dashboard's filters carried into a cell's retrieval link."""
    query = request.GET.copy()
    for key in ("measure", "site", "page", *drop):
        query.pop(key, None)
    return query.urlencode()


@require_GET
def dashboard_cooccurrence(request: HttpRequest) -> HttpResponse:
    sites = selectors.visible_site_list(request.user)
    if not sites:
        raise PermissionDenied("You are not a member of any site.")
    phases = _phases()
    filters = _filter_form(request, sites, phases, with_sites=False).filters()
    pairs = selectors.cooccurrence(user=request.user, filters=filters, phases=phases, sites=sites)
    involved = sorted({t for pair in pairs for t in pair})
    themes = {t.pk: t for t in Theme.objects.filter(pk__in=involved)}
    ordered = sorted(themes.values(), key=lambda t: (t.order, t.name))
    maximum = max(pairs.values(), default=0)
    matrix = [
        (
            a,
            [
                (b, pairs.get((min(a.pk, b.pk), max(a.pk, b.pk)), 0) if a.pk != b.pk else None)
                for b in ordered
            ],
        )
        for a in ordered
    ]
    return render(
        request,
        "themes/includes/cooccurrence.html",
        {"matrix": matrix, "themes": ordered, "maximum": maximum, "query": _cell_query(request)},
    )


@require_GET
def cooccurrence_passages(request: HttpRequest) -> HttpResponse:
    """The passages behind one co-occurrence cell (`?a=<theme>&b=<theme>` and the
    dashboard's filters): those of either theme on text overlapping the other's."""
    sites = selectors.visible_site_list(request.user)
    if not sites:
        raise PermissionDenied("You are not a member of any site.")
    pair = ThemePairForm(request.GET)
    if not pair.is_valid():
        return _plain_error(_form_error_text(pair))
    a, b = pair.cleaned_data["a"], pair.cleaned_data["b"]
    phases = _phases()
    form = _filter_form(request, sites, phases, with_sites=False)
    filters = form.filters()
    filters.q = ""
    qs = selectors.cooccurrence_passages(
        user=request.user, filters=filters, phases=phases, theme_ids=(a.pk, b.pk)
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "themes/cooccurrence_passages.html",
        {
            "themes": (a, b),
            "page": page,
            "excerpts": selectors.with_phases(
                page.object_list, phases, context=True, user=request.user
            ),
            "querystring": query.urlencode(),
            "dashboard_query": _cell_query(request, drop=("a", "b")),
            "all_sites": is_project_lead(request.user),
            "sites": sites,
        },
    )


# --- agreement --------------------------------------------------------------------------


@require_GET
def agreement_list(request: HttpRequest) -> HttpResponse:
    from .models import AgreementExercise

    sites = selectors.visible_site_list(request.user)
    exercises = (
        AgreementExercise.objects.filter(site__in=sites)
        .select_related("site")
        .prefetch_related("coders")
    )
    return render(
        request,
        "themes/agreement_list.html",
        {"exercises": exercises, "sites": [s for s in sites if _can_edit(request.user, s)]},
    )


def _can_edit(user, site) -> bool:
    from sites.access import access_for

    access = access_for(user, site)
    return bool(access and access.can_edit)


@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    require(access.can_edit, "Your role does not allow starting an agreement exercise.")
    form = ExerciseForm(request.POST or None, site=access.site)
    if request.method == "POST" and form.is_valid():
        try:
            exercise = services.exercise_create(
                site=access.site, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Agreement exercise started.")
            return redirect(exercise.get_absolute_url())
    return render(
        request,
        "themes/theme_form.html",
        {"form": form, "title": f"Start an agreement exercise at {access.site}"},
    )


@require_GET
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    exercise, access = get_exercise_for_user(request.user, pk)
    result = selectors.agreement_for(exercise=exercise)
    sources = list(exercise.sources.defer("text"))
    return render(
        request,
        "themes/agreement_detail.html",
        {
            "exercise": exercise,
            "access": access,
            "result": result,
            "sources": sources,
            "coder_names": {c.pk: c.get_username() for c in result.coders},
        },
    )


@require_POST
def agreement_close(request: HttpRequest, pk: int) -> HttpResponse:
    exercise, access = get_exercise_for_user(request.user, pk)
    require(access.can_edit, "Your role does not allow closing the exercise.")
    services.exercise_close(exercise=exercise, actor=request.user)
    messages.success(request, "Exercise closed: coders now see each other's codings.")
    return redirect(exercise.get_absolute_url())


# --- right to erasure -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def participant_erase(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    participant, access = get_participant_for_user(request.user, code, pk)
    require(access.can_manage, "Only a lead can erase a participant's words.")
    preview = erasure.participant_erasure_preview(participant=participant)
    form = ErasureForm(request.POST or None, participant=participant)
    if request.method == "POST" and form.is_valid():
        try:
            result = erasure.participant_erase(participant=participant, actor=request.user)
        except ApplicationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"{participant.pseudonym}'s words were erased: {result.turns} turns in "
                f"{result.sources} sources, {result.codings_deleted} codings deleted.",
            )
            return redirect(participant)
    return render(
        request,
        "themes/participant_erase.html",
        {
            "participant": participant,
            "site": access.site,
            "access": access,
            "form": form,
            "preview": preview,
            "withdrawn": participant.consent.excludes_data,
            "marker": erasure.ERASED_MARKER,
        },
    )
