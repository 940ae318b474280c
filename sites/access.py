"""Access helpers: the one place that decides what a user may see and change at a site.

Views call `get_<entity>_for_user`; an object of a site the user is not a member of raises
Http404 (never the object, never a 403 that would confirm it exists). Templates read the
`can_*` flags from the returned `SiteAccess`, and never re-derive permissions.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .models import (
    EDIT_FIELDWORK_ROLES,
    PLAN_WORKSHOP_ROLES,
    Membership,
    Participant,
    Role,
    Site,
    is_project_lead,
)


class ApplicationError(Exception):
    """A forbidden transition a user asked for; views show the message in plain words."""


def site_roles(user) -> dict[int, str]:
    """site id -> role for the user's site memberships (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, "_site_roles", None)
    if cached is None:
        cached = dict(
            Membership.objects.filter(user=user, site__isnull=False).values_list("site_id", "role")
        )
        user._site_roles = cached
    return cached


@dataclass(frozen=True)
class SiteAccess:
    site: Site
    role: str  # the effective role; project leads are 'lead' everywhere
    project_lead: bool = False

    @property
    def role_label(self) -> str:
        label = Role(self.role).label
        return f"{label} (all sites)" if self.project_lead else label

    @property
    def can_edit(self) -> bool:
        """Create and change fieldwork, participants, consent, codings."""
        return self.role in EDIT_FIELDWORK_ROLES

    @property
    def can_manage(self) -> bool:
        """Memberships, originals of imported files, anonymisation logs."""
        return self.role == Role.LEAD

    @property
    def sees_withdrawn_words(self) -> bool:
        """Leads see a withdrawn participant's words marked in every view of the text; every
        other role sees `[withdrawn: participant withdrew on DATE]` in their place."""
        return self.role == Role.LEAD

    @property
    def can_plan(self) -> bool:
        """Workshop series, mirror data, packs."""
        return self.role in PLAN_WORKSHOP_ROLES


def access_for(user, site: Site) -> SiteAccess | None:
    if is_project_lead(user):
        return SiteAccess(site=site, role=Role.LEAD, project_lead=True)
    role = site_roles(user).get(site.pk)
    return SiteAccess(site=site, role=role) if role else None


def sees_withdrawn_words(user, site_id: int) -> bool:
    """`SiteAccess.sees_withdrawn_words` for pages spanning sites (retrieval, search)."""
    return is_project_lead(user) or site_roles(user).get(site_id) == Role.LEAD


def get_site_for_user(user, code: str) -> SiteAccess:
    try:
        site = Site.objects.get(code=code)
    except Site.DoesNotExist:
        raise Http404("No such site.") from None
    access = access_for(user, site)
    if access is None:
        raise Http404("No such site.")
    return access


def get_object_for_user(user, queryset: QuerySet, pk: int) -> tuple:
    """(object, SiteAccess) for a site-scoped object addressed by its pk alone; 404 when it
    does not exist or belongs to a site the user is not a member of (never a 403 that would
    confirm it exists). The queryset should select_related("site")."""
    name = queryset.model._meta.verbose_name
    try:
        obj = queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404(f"No such {name}.") from None
    access = access_for(user, obj.site)
    if access is None:
        raise Http404(f"No such {name}.")
    return obj, access


def get_object_at_site_for_user(user, code: str, queryset: QuerySet, pk: int) -> tuple:
    """(object, SiteAccess) for an object addressed under its site's code: the site is
    checked first, then the object must belong to it."""
    access = get_site_for_user(user, code)
    try:
        obj = queryset.get(site=access.site, pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404(f"No such {queryset.model._meta.verbose_name}.") from None
    return obj, access


def get_participant_for_user(user, code: str, pk: int) -> tuple[Participant, SiteAccess]:
    return get_object_at_site_for_user(user, code, Participant.objects.with_details(), pk)


def require(allowed: bool, message: str = "Your role does not allow this change.") -> None:
    if not allowed:
        raise PermissionDenied(message)
