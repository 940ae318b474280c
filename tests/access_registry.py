"""How the access matrix builds "an object of a site" for each model a URL can name.

Every named URL that takes an object is resolved for an object of a site the persona is not
a member of, and must answer 404. The URL's kwargs say which object: `code` is a site; `pk`
(or `<model>_pk`) is a model inferred from the URL name (`participant-edit` → Participant in
the URL's app) unless PK_MODEL says otherwise. A new model needs a builder here: the test
fails, naming it, until one is added — nobody has to remember.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.factories import MembershipFactory, ParticipantFactory, SourceFactory

# model label -> builder(site) -> saved object belonging to that site
BUILDERS: dict[str, Callable] = {
    "sites.Participant": lambda site: ParticipantFactory(site=site),
    "sites.Membership": lambda site: MembershipFactory(site=site),
    "fieldwork.Source": lambda site: SourceFactory(site=site),
}

# URL name -> model label, where the name does not start with the model's name.
PK_MODEL: dict[str, str] = {
    "sites:consent-create": "sites.Participant",
}

# Plain (non-object) kwargs and the value to use.
KWARG_VALUES: dict[str, object] = {"fmt": "csv"}

# Models that belong to the whole project, not to one site (the codebook). Their pages are
# open to every member and filter what they list; they are exempt from the 404 test only.
PROJECT_WIDE: dict[str, str] = {}

# URL names (or namespaces ending in ':') that are exempt, each with the reason.
EXEMPT: dict[str, str] = {
    "admin:": "Django admin: staff (project leads) only, guarded by the admin site itself.",
    "login": "Public by design.",
    "logout": "Public by design (POST only).",
    "password_reset": "Public by design.",
    "password_reset_done": "Public by design.",
    "password_reset_confirm": "Public by design; token-protected.",
    "password_reset_complete": "Public by design.",
    "healthz": "Public liveness probe; reveals no study data.",
}

# URLs where any signed-in user, a viewer too, changes their own account: the viewer's empty
# POST is answered with the form, not 403 (and must still write nothing).
OWN_ACCOUNT: dict[str, str] = {
    "password_change": "Everyone may change their own password.",
}


def register(label: str, builder: Callable) -> None:
    BUILDERS[label] = builder
