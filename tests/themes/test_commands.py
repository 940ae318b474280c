from __future__ import annotations

import io

from django.core.management import call_command

from sites.models import AuditEvent
from themes.models import Coding

from .factories import CodingFactory


def test_fold_repeated_codings_folds_what_past_merges_left_and_keeps_memos(world, researcher, lead):
    source, rules = world["source_a"], world["rules"]
    kept = CodingFactory(source=source, theme=rules, coder=researcher, start=0, end=5, memo="A")
    CodingFactory(source=source, theme=rules, coder=researcher, start=0, end=5, memo="B")
    CodingFactory(source=source, theme=rules, coder=lead, start=0, end=5)  # another coder
    CodingFactory(source=source, theme=world["colocation"], coder=researcher, start=0, end=5)
    out = io.StringIO()
    call_command("fold_repeated_codings", "--dry-run", stdout=out)
    assert "1 repeated coding would be folded." in out.getvalue()
    assert Coding.objects.count() == 4 and not AuditEvent.objects.filter(verb="theme.fold")
    out = io.StringIO()
    call_command("fold_repeated_codings", stdout=out)
    assert "Rule-bending: 1 repeated coding folded" in out.getvalue()
    assert Coding.objects.count() == 3
    kept.refresh_from_db()
    assert kept.memo == "A\n\nB"
    assert AuditEvent.objects.get(verb="theme.fold").changes["codings_folded"] == 1
    out = io.StringIO()
    call_command("fold_repeated_codings", stdout=out)
    assert out.getvalue() == "0 repeated codings folded.\n"
