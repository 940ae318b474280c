"""Teach the generated access matrix about the themes app's objects."""

from tests import access_registry as registry
from tests.factories import SourceFactory

from .factories import CodingFactory, ExerciseFactory, MemoFactory, ThemeFactory

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

# The codebook is project-wide: a theme belongs to no site, so its URLs have no "other site's
# object" to answer 404 for; the matrix still checks them for anonymous users and read-only
# roles, and tests/themes/test_views_codebook.py checks each view's own rules.
registry.register("themes.Theme", lambda site: ThemeFactory())
registry.PROJECT_WIDE["themes.Theme"] = (
    "The codebook is project-wide; its pages list only excerpts the user may see."
)
