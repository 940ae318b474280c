"""Teach the generated access matrix about the themes app's objects."""

from tests import access_registry as registry
from tests.factories import SourceFactory

from .factories import CodingFactory, ExerciseFactory, MemoFactory

registry.register(
    "themes.Coding",
    lambda site: CodingFactory(source=SourceFactory(site=site, text="Words to code here.")),
)
registry.register("themes.Memo", lambda site: MemoFactory(source=SourceFactory(site=site)))
registry.register("themes.AgreementExercise", lambda site: ExerciseFactory(site=site))

registry.PK_MODEL.update(
    {
        "themes:source-code": "fieldwork.Source",
        "themes:source-turns": "fieldwork.Source",
        "themes:source-codings": "fieldwork.Source",
        "themes:coding-create": "fieldwork.Source",
        "themes:source-memo-create": "fieldwork.Source",
        "themes:agreement-detail": "themes.AgreementExercise",
        "themes:agreement-close": "themes.AgreementExercise",
        "themes:participant-erase": "sites.Participant",
    }
)

PROJECT_WIDE = (
    "The codebook is project-wide: a theme belongs to no site. Its pages list only excerpts "
    "the user may see (tests/themes/test_views_retrieval.py proves it)."
)
for name in (
    "themes:theme-detail",
    "themes:theme-export",
    "themes:theme-edit",
    "themes:theme-merge",
    "themes:theme-retire",
    "themes:theme-memo-create",
):
    registry.EXEMPT[name] = PROJECT_WIDE
