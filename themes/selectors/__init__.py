"""Reads for the themes app. Every list runs a constant number of queries, whatever the data.

Visibility: a user sees codings of the sites `Site.objects.visible_to(user)` returns, less
those an open blind exercise hides from them (`blind_filter`: on its sources, a coder in it
sees only their own), in every output but the agreement page, which compares.
Consent: every output (dashboard, retrieval, exports, agreement, excerpt search) goes through
`consent_filter`, computed per request from the consent history.

One module per concern; the public names are re-exported here, so `from themes.selectors
import …` and `from themes import selectors` keep working.
"""

from fieldwork.selectors import phase_for

from .agreement import (
    AgreementResult,
    agreement_for,
)
from .codebook import (
    ThemeNode,
    codebook_tree,
    theme_recent_ids,
)
from .cooccurrence import (
    cooccurrence,
    cooccurrence_passages,
)
from .dashboard import (
    MEASURE_UNITS,
    MEASURES,
    Dashboard,
    DashboardRow,
    DistinctPassages,
    dashboard_data,
    unmapped_coded_turns,
)
from .excerpts import (
    CONTEXT_CHARS,
    PASSAGE_KEY,
    Excerpt,
    ExcerptCoding,
    IdList,
    OctetLength,
    TurnRef,
    excerpt_details,
    excerpt_queryset,
    passages,
    quote_expression,
    with_phases,
)
from .filters import (
    ExcerptFilters,
    coder_choices,
    phase_case,
    visible_site_list,
)
from .memos import (
    site_memos,
)
from .workspace import (
    WorkspaceCoding,
    blind_exercise_for,
    blind_exercises_of,
    source_codings,
)

__all__ = [
    "AgreementResult",
    "CONTEXT_CHARS",
    "Dashboard",
    "DashboardRow",
    "DistinctPassages",
    "Excerpt",
    "ExcerptCoding",
    "ExcerptFilters",
    "IdList",
    "MEASURES",
    "MEASURE_UNITS",
    "OctetLength",
    "PASSAGE_KEY",
    "ThemeNode",
    "TurnRef",
    "WorkspaceCoding",
    "agreement_for",
    "blind_exercise_for",
    "blind_exercises_of",
    "codebook_tree",
    "coder_choices",
    "cooccurrence",
    "cooccurrence_passages",
    "dashboard_data",
    "excerpt_details",
    "excerpt_queryset",
    "passages",
    "phase_case",
    "phase_for",
    "quote_expression",
    "site_memos",
    "source_codings",
    "theme_recent_ids",
    "unmapped_coded_turns",
    "visible_site_list",
    "with_phases",
]
