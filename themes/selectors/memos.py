"""A site's memos."""

from __future__ import annotations

from sites.models import Site

from ..models import (
    Coding,
    Memo,
    blind_source_ids,
)


def site_memos(*, site: Site, user) -> tuple[list[Memo], list[Coding]]:
    """The site's source memos and coding memos `user` may see (blind exercises apply)."""
    blind_sources = blind_source_ids(user)
    memos = list(
        Memo.objects.filter(site=site)
        .unblinded_for(user, blind_sources)
        .select_related("source", "author")
        .order_by("-created_at")
    )
    coding_memos = list(
        Coding.objects.filter(site=site)
        .unblinded_for(user, blind_sources)
        .exclude(memo="")
        .select_related("source", "theme", "coder")
        .defer("source__text")
        .order_by("-updated_at")[:500]
    )
    return memos, coding_memos
