"""Pseudonymisation: the site's replacement list (real name -> pseudonym) and its one-pass
whole-word replacer."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction

from sites.models import Site
from sites.services import audit_record

from .models import Replacement


class Pseudonymiser:
    """Whole-word, case-insensitive replacement of real names and places by `[pseudonym]`.
    One regex pass, longest names first, so an inserted pseudonym is never replaced again."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.pairs = {
            original.strip().casefold(): (original.strip(), pseudonym.strip())
            for original, pseudonym in pairs
            if original.strip()
        }
        self.counts: dict[str, int] = {}
        if self.pairs:
            names = sorted((p[0] for p in self.pairs.values()), key=len, reverse=True)
            alternation = "|".join(re.escape(name) for name in names)
            self.pattern: re.Pattern[str] | None = re.compile(
                rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE
            )
        else:
            self.pattern = None

    def _replace(self, match: re.Match[str]) -> str:
        original, pseudonym = self.pairs[match.group(0).casefold()]
        self.counts[original] = self.counts.get(original, 0) + 1
        return f"[{pseudonym}]"

    def __call__(self, text: str) -> str:
        if self.pattern is None or not text:
            return text
        return self.pattern.sub(self._replace, text)


def replacement_create(*, site: Site, actor, original: str, pseudonym: str) -> Replacement:
    replacement = Replacement(site=site, original=original.strip(), pseudonym=pseudonym.strip())
    replacement.full_clean()
    with transaction.atomic():
        replacement.save()
        # The real name stays out of the audit record: it lives only in the list itself.
        audit_record(
            actor=actor,
            verb="replacement.create",
            obj=replacement,
            site=site,
            changes={"pseudonym": replacement.pseudonym},
        )
    return replacement


def replacement_delete(*, replacement: Replacement, actor) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            verb="replacement.delete",
            obj=replacement,
            site=replacement.site,
            changes={"pseudonym": replacement.pseudonym},
        )
        replacement.delete()
