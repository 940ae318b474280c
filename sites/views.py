from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import audit, selectors, services
from .access import ApplicationError, get_participant_for_user, get_site_for_user, require
from .forms import AuditFilterForm, ConsentForm, MembershipForm, ParticipantForm
from .models import AuditEvent, ConsentDecision, ConsentScope, Membership, is_project_lead


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    sites = list(selectors.site_list(user=request.user))
    return render(
        request,
        "sites/home.html",
        {"sites": sites, "attention": selectors.attention_items(user=request.user)},
    )


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: is the database reachable, and the broker (if any)?"""
    from django.conf import settings

    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure is reported, not raised
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = "eager (no broker configured; tasks run in-process)"
    else:
        from dwr_project.celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception as exc:  # reported as above
            checks["broker"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" or v.startswith("eager") for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"message": message}, status=403)


@require_GET
def site_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "sites/site_list.html", {"sites": selectors.site_list(user=request.user)}
    )


@require_GET
def site_detail(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    return render(
        request,
        "sites/site_detail.html",
        {
            "site": access.site,
            "access": access,
            "participants": selectors.site_participants(site=access.site),
            "members": selectors.site_members(site=access.site),
            "consent_flags": selectors.site_consent_flags(site=access.site),
        },
    )


@require_http_methods(["GET", "POST"])
def participant_create(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    require(access.can_edit)
    form = ParticipantForm(request.POST or None, site=access.site)
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.participant_create(
                site=access.site, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Participant {participant.pseudonym} added.")
            return redirect(participant)
    return render(
        request,
        "sites/participant_form.html",
        {"form": form, "site": access.site, "access": access, "title": "Add a participant"},
    )


@require_GET
def participant_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    participant, access = get_participant_for_user(request.user, code, pk)
    return render(
        request,
        "sites/participant_detail.html",
        {
            "participant": participant,
            "site": access.site,
            "access": access,
            "history": participant.consent_records.select_related("recorded_by"),
            "scopes": ConsentScope,
            "erased_at": selectors.participant_erased_at(participant=participant),
        },
    )


@require_http_methods(["GET", "POST"])
def participant_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    participant, access = get_participant_for_user(request.user, code, pk)
    require(access.can_edit)
    form = ParticipantForm(request.POST or None, instance=participant, site=access.site)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        # Reload so the form's in-memory changes are not mistaken for the "before" state.
        participant.refresh_from_db()
        try:
            services.participant_update(participant=participant, actor=request.user, **fields)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Participant {participant.pseudonym} saved.")
            return redirect(participant)
    return render(
        request,
        "sites/participant_form.html",
        {
            "form": form,
            "site": access.site,
            "access": access,
            "participant": participant,
            "title": f"Edit {participant.pseudonym}",
        },
    )


@require_http_methods(["GET", "POST"])
def consent_create(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    participant, access = get_participant_for_user(request.user, code, pk)
    require(access.can_edit)
    initial = {"scopes": [request.GET["scope"]]} if request.GET.get("scope") else None
    form = ConsentForm(request.POST or None, initial=initial)
    context = {"form": form, "participant": participant, "site": access.site, "access": access}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        is_withdrawal = data["decision"] in (ConsentDecision.WITHDRAWN, ConsentDecision.DECLINED)
        if is_withdrawal and not data["confirmed"]:
            # A withdrawal takes data out of every output: say exactly what, and ask again.
            return render(
                request,
                "sites/consent_confirm.html",
                {
                    **context,
                    "data": data,
                    "scope_labels": [ConsentScope(s).label for s in data["scopes"]],
                    "decision_label": ConsentDecision(data["decision"]).label,
                    "excludes": any(
                        s in (ConsentScope.PARTICIPATION, ConsentScope.QUOTATION)
                        for s in data["scopes"]
                    ),
                    "impact": services.consent_withdrawal_impact(participant),
                },
            )
        try:
            services.consent_record(
                participant=participant,
                actor=request.user,
                scopes=data["scopes"],
                decision=data["decision"],
                effective_date=data["effective_date"],
                note=data["note"],
            )
        except (ApplicationError, ValidationError) as exc:
            form.add_error(None, str(exc.messages[0] if hasattr(exc, "messages") else exc))
        else:
            messages.success(request, f"Consent decision recorded for {participant.pseudonym}.")
            return redirect(participant)
    return render(request, "sites/consent_form.html", context)


@require_http_methods(["GET", "POST"])
def membership_list(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    require(access.can_manage, "Only a lead can manage who has access to this site.")
    form = MembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_set(
                user=form.cleaned_data["user"],
                site=access.site,
                role=form.cleaned_data["role"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"{membership.user.get_username()} is now {membership.get_role_display().lower()}"
                f" at {access.site.name}.",
            )
            return redirect("sites:membership-list", code=code)
    return render(
        request,
        "sites/membership_list.html",
        {
            "site": access.site,
            "access": access,
            "form": form,
            "members": selectors.site_members(site=access.site),
        },
    )


@require_POST
def membership_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    require(access.can_manage, "Only a lead can manage who has access to this site.")
    membership = get_object_or_404(Membership, site=access.site, pk=pk)
    try:
        services.membership_remove(membership=membership, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{membership.user.get_username()} no longer has access.")
    return redirect("sites:membership-list", code=code)


AUDIT_PAGE_SIZE = 50


def _audit_page(request: HttpRequest, events, *, site=None, access=None) -> HttpResponse:
    """One audit page (a site's or the project's): filters, pagination, CSV download."""
    events = events.select_related("actor", "site")
    form = AuditFilterForm(request.GET or None, events=events)
    filtered = events.none()
    if not request.GET or form.is_valid():
        filtered = audit.filter_events(events, form.cleaned_data if request.GET else {})
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    if request.GET.get("format") == "csv":
        stamp = timezone.now().strftime("%Y-%m-%d")
        response = StreamingHttpResponse(
            audit.csv_rows(filtered, base_url=request.build_absolute_uri("/")[:-1]),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="audit-{site.code if site else "project"}-{stamp}.csv"'
        )
        # Names and actions of the research team: never kept by a browser or a proxy.
        response["Cache-Control"] = "no-store"
        return response
    page = Paginator(filtered, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sites/audit_list.html",
        {
            "site": site,
            "access": access,
            "form": form,
            "page": page,
            "rows": audit.render_events(page.object_list),
            "query": query.urlencode(),
        },
    )


@require_GET
def audit_list(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    require(access.can_manage, "Only a lead can read the audit record.")
    events = AuditEvent.objects.filter(site=access.site)
    return _audit_page(request, events, site=access.site, access=access)


@require_GET
def project_audit(request: HttpRequest) -> HttpResponse:
    """Every event, including those of no site (codebook changes): project leads only."""
    require(
        is_project_lead(request.user), "Only project leads can read the project's audit record."
    )
    return _audit_page(request, AuditEvent.objects.all())
