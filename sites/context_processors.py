"""Navigation that shows only what the user's roles allow."""

from __future__ import annotations

from django.http import HttpRequest

from .access import site_roles
from .models import EDIT_FIELDWORK_ROLES, PLAN_WORKSHOP_ROLES, is_project_lead


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": None}
    lead = is_project_lead(user)
    roles = set(site_roles(user).values())
    return {
        "nav": {
            "project_lead": lead,
            "any_site": lead or bool(roles),
            "can_edit_somewhere": lead or bool(roles & EDIT_FIELDWORK_ROLES),
            "can_plan_somewhere": lead or bool(roles & PLAN_WORKSHOP_ROLES),
            "is_staff": user.is_staff,
        }
    }
