"""Teach the generated access matrix about the themes app's objects."""

from tests import access_registry as registry
from tests.factories import SourceFactory, UserFactory
from themes.models import DocumentJob, DocumentStatus

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

# Documents made by workers belong to the person who asked and hold sites' data: another
# person's document, or one holding a site the person does not see, answers 404
# (tests/themes/test_documents.py checks the owner's side).
registry.register(
    "themes.DocumentJob",
    lambda site: DocumentJob.objects.create(
        kind="excerpts",
        title="Someone else's export",
        created_by=UserFactory(),
        site_ids=[site.pk],
        status=DocumentStatus.SUCCEEDED,
    ),
)
registry.PK_MODEL.update(
    {
        "themes:document-download": "themes.DocumentJob",
        "themes:document-regenerate": "themes.DocumentJob",
        "themes:document-delete": "themes.DocumentJob",
    }
)
registry.OWN_ACCOUNT.update(
    {
        "themes:document-regenerate": "Everyone may make their own documents again.",
        "themes:document-delete": "Everyone may delete their own documents.",
    }
)
