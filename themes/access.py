"""Access helpers for themes: a coding, memo, source or exercise of a site the user is not a
member of answers 404. The codebook is project-wide: anyone who may edit somewhere adds
themes; only project leads rename, move, merge and retire them."""

from __future__ import annotations

from django.http import Http404

from fieldwork.models import Source
from sites.access import SiteAccess, access_for, get_object_for_user, site_roles
from sites.models import EDIT_FIELDWORK_ROLES, is_project_lead

from .models import AgreementExercise, Coding, Memo


def get_source_for_coding(user, pk: int) -> tuple[Source, SiteAccess]:
    # Lighter than fieldwork's reading-view helper: the workspace needs only the site.
    return get_object_for_user(user, Source.objects.select_related("site"), pk)


def get_coding_for_user(user, pk: int) -> tuple[Coding, SiteAccess]:
    """404 too for another coder's coding that an open blind exercise hides from `user`:
    for them it does not exist, so it can be neither read nor changed."""
    codings = Coding.objects.unblinded_for(user).select_related("site", "theme", "coder", "source")
    return get_object_for_user(user, codings, pk)


def get_memo_for_user(user, pk: int) -> tuple[Memo, SiteAccess | None]:
    """Source memos belong to the source's site; theme memos are project-wide (access None
    then means 'any member', and only the author or a project lead may delete). Another
    coder's memo on a source of an open blind exercise answers 404, as their codings do."""
    memos = Memo.objects.unblinded_for(user)
    try:
        memo = memos.select_related("site", "theme", "source", "author").get(pk=pk)
    except Memo.DoesNotExist:
        raise Http404("No such memo.") from None
    if memo.site_id is None:
        if not can_code_somewhere(user):
            raise Http404("No such memo.")
        return memo, None
    access = access_for(user, memo.site)
    if access is None:
        raise Http404("No such memo.")
    return memo, access


def get_exercise_for_user(user, pk: int) -> tuple[AgreementExercise, SiteAccess]:
    return get_object_for_user(user, AgreementExercise.objects.select_related("site"), pk)


def can_code_somewhere(user) -> bool:
    """May add themes to the codebook and write analytic memos."""
    return is_project_lead(user) or bool(set(site_roles(user).values()) & EDIT_FIELDWORK_ROLES)


def can_manage_codebook(user) -> bool:
    return is_project_lead(user)
