"""Views of the analysis area. Every view that changes data gets the tests of STYLE point 12
(happy path with its effects and audit; GET on a POST-only view → 405; anonymous → login;
another site's member → 404; viewer → 403 with nothing written; invalid input → 200 with
the errors and nothing written), then the pages: SVG inline and downloadable, evidence
through the consent exclusion and the site scope, constant query counts."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sites.models import AuditEvent, ConsentDecision, ConsentScope
from tests.factories import (
    ConsentRecordFactory,
    ParticipantFactory,
    SourceFactory,
    give_full_consent,
    make_source_with_turns,
)
from tests.themes.factories import CodingFactory
from workshops.models import (
    ActivitySystemModel,
    Contradiction,
    ContradictionStatusChange,
    Disturbance,
    Element,
    ElementEntry,
    Experiment,
    SharedObject,
    TimeLayer,
)

from .analysis_factories import (
    ActivityModelFactory,
    ContradictionFactory,
    DisturbanceFactory,
    EntryFactory,
    ExperimentFactory,
    MirrorItemFactory,
    SessionFactory,
    SharedObjectFactory,
)

HELEN_WORDS = "We sit together now, so I just lean over and ask the social worker."
WITHDRAWN_WORDS = "Honestly the head teacher never returns my calls about exclusions."


@pytest.fixture
def world(site_a, site_b, participant_a):
    give_full_consent(participant_a)
    gone = ParticipantFactory(site=site_a, pseudonym="Rosa")
    ConsentRecordFactory(
        participant=gone,
        scope=ConsentScope.PARTICIPATION,
        decision=ConsentDecision.WITHDRAWN,
        effective_date=datetime.date(2006, 1, 1),
    )
    source = make_source_with_turns(
        site=site_a,
        turns=[("Helen", HELEN_WORDS, participant_a), ("Rosa", WITHDRAWN_WORDS, gone)],
        title="Team interview",
    )
    helen_start = 0
    rosa_start = source.text.index(WITHDRAWN_WORDS)
    present = ActivityModelFactory(site=site_a, title="Team now", perspective="The team")
    session = SessionFactory(series__site=site_a, title="Current practice")
    return {
        "site": site_a,
        "present": present,
        "school": ActivityModelFactory(
            site=site_a, title="School exclusions", perspective="A school"
        ),
        "future": ActivityModelFactory(site=site_a, title="Team next", layer=TimeLayer.FUTURE),
        "entry": EntryFactory(model=present, element=Element.RULES, text="Referral thresholds"),
        "session": session,
        "coding": CodingFactory(source=source, start=helen_start, end=len(HELEN_WORDS)),
        "withdrawn_coding": CodingFactory(
            source=source, start=rosa_start, end=rosa_start + len(WITHDRAWN_WORDS)
        ),
        "coding_b": CodingFactory(source=SourceFactory(site=site_b, text="Bravo site's words.")),
        "session_b": SessionFactory(series__site=site_b),
        "contradiction": ContradictionFactory(site=site_a, model=present),
        "disturbance": DisturbanceFactory(site=site_a),
        "experiment": ExperimentFactory(site=site_a, title="Joint duty desk"),
        "item": MirrorItemFactory(workshop=session, title="Ringing round"),
    }


def url(name: str, w: dict, obj: str | None = None) -> str:
    kwargs = {"code": w["site"].code}
    if obj:
        kwargs["pk"] = w[obj].pk
    return reverse(f"analysis:{name}", kwargs=kwargs)


def state() -> tuple:
    """Everything the analysis area can write, to prove a refused request wrote nothing."""
    tables = [
        ActivitySystemModel,
        ElementEntry,
        SharedObject,
        Disturbance,
        Contradiction,
        ContradictionStatusChange,
        Experiment,
    ]
    rows = tuple(tuple(map(tuple, m.objects.order_by("pk").values_list())) for m in tables)
    links = tuple(
        ElementEntry.evidence_codings.through.objects.order_by("pk").values_list(
            "elemententry_id", "coding_id"
        )
    )
    return rows, links, AuditEvent.objects.count()


@dataclass
class WriteView:
    name: str
    obj: str | None
    valid: Callable[[dict], dict]
    check: Callable[[dict], None]
    invalid: Callable[[dict], dict] | None = None
    error: str = ""
    post_only: bool = False
    extra: dict = field(default_factory=dict)


def _model_created(w):
    model = ActivitySystemModel.objects.get(title="Team in 2006")
    assert (model.layer, model.perspective, model.created_by.username) == (
        "present",
        "The team",
        "facilitator",
    )


def _model_edited(w):
    w["present"].refresh_from_db()
    assert w["present"].title == "Renamed model"


def _version_made(w):
    copy = ActivitySystemModel.objects.get(previous_version=w["present"])
    assert copy.version == 2
    assert list(copy.entries.values_list("text", flat=True)) == ["Referral thresholds"]


def _entry_added(w):
    entry = w["present"].entries.get(text="Shared case record")
    assert list(entry.evidence_codings.all()) == [w["coding"]]
    assert list(entry.evidence_mirror_items.all()) == [w["item"]]


def _entry_edited(w):
    w["entry"].refresh_from_db()
    assert (w["entry"].element, w["entry"].text) == ("community", "Schools")


def _entry_deleted(w):
    assert not ElementEntry.objects.filter(pk=w["entry"].pk).exists()


def _shared_created(w):
    shared = SharedObject.objects.get()
    assert (shared.model_a, shared.model_b, shared.text) == (
        w["present"],
        w["school"],
        "The child at risk",
    )


def _disturbance_created(w):
    d = Disturbance.objects.get(title="Nobody answers the duty phone")
    assert d.is_workaround and list(d.codings.all()) == [w["coding"]]


def _contradiction_created(w):
    c = Contradiction.objects.get(formulation="Co-location vs agency line management")
    assert (c.level, c.element_a, c.element_b) == ("secondary", "community", "division_of_labour")
    assert list(c.evidence_codings.all()) == [w["coding"]]
    history = c.status_history.get()
    assert (history.status, history.date, history.workshop) == (
        "hypothesised",
        datetime.date(2006, 1, 5),
        w["session"],
    )


def _status_recorded(w):
    c = w["contradiction"]
    c.refresh_from_db()
    assert c.status == "recognised"
    assert c.status_history.latest("date").workshop == w["session"]


def _experiment_created(w):
    e = Experiment.objects.get(title="Weekly joint allocation meeting")
    assert (e.agreed_in, e.review_date) == (w["session"], datetime.date(2006, 10, 1))
    assert list(e.contradictions.all()) == [w["contradiction"]]


def _experiment_edited(w):
    e = w["experiment"]
    e.refresh_from_db()
    assert (e.status, e.outcome, e.reviewed_in) == ("adopted", "Kept.", w["session"])


WRITE_VIEWS = [
    WriteView(
        "model-create",
        None,
        lambda w: {"title": "Team in 2006", "layer": "present", "perspective": "The team"},
        _model_created,
        lambda w: {"title": "", "layer": "present", "perspective": ""},
        "This field is required.",
    ),
    WriteView(
        "model-edit",
        "present",
        lambda w: {"title": "Renamed model", "layer": "present", "perspective": "The team"},
        _model_edited,
        lambda w: {"title": "Renamed model", "layer": "someday", "perspective": "The team"},
        "Select a valid choice.",
    ),
    WriteView(
        "model-new-version",
        "present",
        lambda w: {"notes": ""},
        _version_made,
        lambda w: {"built_in": w["session_b"].pk},
        "Select a valid choice.",
    ),
    WriteView(
        "model-entry-create",
        "present",
        lambda w: {
            "element": "instruments",
            "text": "Shared case record",
            "evidence_codings": [w["coding"].pk],
            "evidence_mirror_items": [w["item"].pk],
        },
        _entry_added,
        lambda w: {
            "element": "rules",
            "text": "Thresholds",
            "evidence_codings": [w["coding_b"].pk],
        },
        "Choose coded excerpts of this site only.",
    ),
    WriteView(
        "entry-edit",
        "entry",
        lambda w: {"element": "community", "text": "Schools"},
        _entry_edited,
        lambda w: {"element": "community", "text": "   "},
        "This field is required.",
    ),
    WriteView("entry-delete", "entry", lambda w: {}, _entry_deleted, post_only=True),
    WriteView(
        "shared-object-create",
        None,
        lambda w: {
            "model_a": w["present"].pk,
            "model_b": w["school"].pk,
            "text": "The child at risk",
        },
        _shared_created,
        lambda w: {"model_a": w["present"].pk, "model_b": w["present"].pk, "text": "x"},
        "Choose two different models.",
    ),
    WriteView(
        "disturbance-create",
        None,
        lambda w: {
            "date": "2005-11-02",
            "title": "Nobody answers the duty phone",
            "is_workaround": "on",
            "evidence_codings": [w["coding"].pk],
        },
        _disturbance_created,
        lambda w: {
            "date": (datetime.date.today() + datetime.timedelta(days=3)).isoformat(),
            "title": "Later",
        },
        "A disturbance cannot be dated in the future.",
    ),
    WriteView(
        "contradiction-create",
        None,
        lambda w: {
            "level": "secondary",
            "model": w["present"].pk,
            "element_a": "community",
            "element_b": "division_of_labour",
            "formulation": "Co-location vs agency line management",
            "evidence_codings": [w["coding"].pk],
            "date": "2006-01-05",
            "workshop": w["session"].pk,
        },
        _contradiction_created,
        lambda w: {
            "level": "secondary",
            "model": w["present"].pk,
            "element_a": "rules",
            "element_b": "rules",
            "formulation": "Rules vs rules",
            "date": "2006-01-05",
        },
        "A secondary contradiction spans two different elements.",
    ),
    WriteView(
        "contradiction-status",
        "contradiction",
        lambda w: {"status": "recognised", "date": "2006-02-01", "workshop": w["session"].pk},
        _status_recorded,
        lambda w: {"status": "forgotten", "date": "2006-02-01"},
        "Select a valid choice.",
    ),
    WriteView(
        "experiment-create",
        None,
        lambda w: {
            "title": "Weekly joint allocation meeting",
            "owner": "Team manager",
            "agreed_in": w["session"].pk,
            "start": "2006-05-01",
            "review_date": "2006-10-01",
            "status": "agreed",
            "contradictions": [w["contradiction"].pk],
        },
        _experiment_created,
        lambda w: {
            "title": "Backwards",
            "owner": "Team manager",
            "start": "2006-05-01",
            "review_date": "2006-04-01",
            "status": "agreed",
        },
        "The review date is before the start.",
    ),
    WriteView(
        "experiment-edit",
        "experiment",
        lambda w: {
            "title": "Joint duty desk",
            "owner": "Team manager",
            "status": "adopted",
            "outcome": "Kept.",
            "reviewed_in": w["session"].pk,
        },
        _experiment_edited,
        lambda w: {"title": "", "owner": "", "status": "adopted"},
        "This field is required.",
    ),
]
IDS = [v.name for v in WRITE_VIEWS]


@pytest.mark.parametrize("view", WRITE_VIEWS, ids=IDS)
def test_facilitator_changes_the_analysis_and_it_is_audited(view, world, client_for, facilitator):
    before = AuditEvent.objects.count()
    response = client_for(facilitator).post(url(view.name, world, view.obj), view.valid(world))
    assert response.status_code == 302, response.content.decode()[:2000]
    view.check(world)
    event = AuditEvent.objects.order_by("-pk").first()
    assert AuditEvent.objects.count() == before + 1
    assert (event.actor, event.site) == (facilitator, world["site"])


@pytest.mark.parametrize("view", WRITE_VIEWS, ids=IDS)
def test_get_shows_the_form_or_answers_405_on_a_post_only_view(
    view, world, client_for, facilitator
):
    response = client_for(facilitator).get(url(view.name, world, view.obj))
    if view.post_only:
        assert response.status_code == 405
    else:
        assert response.status_code == 200
        assert b"<form" in response.content and b"csrfmiddlewaretoken" in response.content


@pytest.mark.parametrize("view", WRITE_VIEWS, ids=IDS)
def test_anonymous_is_sent_to_log_in(view, world, client):
    before = state()
    response = client.post(url(view.name, world, view.obj), view.valid(world))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert state() == before


@pytest.mark.parametrize("view", WRITE_VIEWS, ids=IDS)
def test_a_member_of_another_site_gets_404_and_nothing_is_written(
    view, world, client_for, outsider
):
    before = state()
    client = client_for(outsider)
    assert client.post(url(view.name, world, view.obj), view.valid(world)).status_code == 404
    if not view.post_only:
        assert client.get(url(view.name, world, view.obj)).status_code == 404
    assert state() == before


@pytest.mark.parametrize("view", WRITE_VIEWS, ids=IDS)
def test_a_viewer_gets_403_and_nothing_is_written(view, world, client_for, viewer):
    before = state()
    response = client_for(viewer).post(url(view.name, world, view.obj), view.valid(world))
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize("view", [v for v in WRITE_VIEWS if v.invalid], ids=lambda v: v.name)
def test_invalid_input_shows_the_errors_and_writes_nothing(view, world, client_for, facilitator):
    before = state()
    response = client_for(facilitator).post(url(view.name, world, view.obj), view.invalid(world))
    assert response.status_code == 200
    assert view.error in response.content.decode()
    assert state() == before


def test_researchers_read_the_analysis_but_cannot_change_it(world, client_for, researcher):
    client = client_for(researcher)
    page = client.get(url("index", world)).content.decode()
    assert "Team now" in page and "New model" not in page
    before = state()
    response = client.post(url("model-create", world), WRITE_VIEWS[0].valid(world))
    assert response.status_code == 403 and state() == before


# --- pages ------------------------------------------------------------------------------


def test_the_site_page_links_to_the_analysis_for_a_viewer(world, client_for, viewer):
    page = client_for(viewer).get(reverse("sites:site-detail", kwargs={"code": "alpha"}))
    assert url("index", world) in page.content.decode()


def test_the_index_lists_models_register_disturbances_and_experiments_with_review_dates(
    world, client_for, viewer
):
    e = world["experiment"]
    e.review_date, e.agreed_in, e.reviewed_in = datetime.date(2006, 10, 1), world["session"], None
    e.save()
    page = client_for(viewer).get(url("index", world)).content.decode()
    for text in (
        "Team now",
        "School exclusions",
        "Care tool vs audit instrument",
        "Joint duty desk",
    ):
        assert text in page
    assert "1 Oct 2006" in page and "Session " in page
    assert world["disturbance"].title in page
    assert "Record a contradiction" not in page  # a viewer reads


def test_the_model_page_draws_the_triangle_inline_with_its_table(world, client_for, viewer):
    EntryFactory(model=world["present"], element=Element.SUBJECT, text="Educational psychologist")
    page = client_for(viewer).get(url("model-detail", world, "present")).content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'role="img"' in page
    assert "<title>Educational psychologist</title>" in page
    assert 'id="entries-table"' in page and "Educational psychologist</span>" in page
    assert url("model-svg", world, "present") in page
    assert "Add an entry" not in page


def test_the_svg_downloads_as_an_attachment_and_only_for_members(
    world, client_for, viewer, outsider
):
    response = client_for(viewer).get(url("model-svg", world, "present"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response.content.startswith(b"<?xml") and b"Referral thresholds" in response.content
    assert client_for(outsider).get(url("model-svg", world, "present")).status_code == 404
    assert client_for(viewer).post(url("model-svg", world, "present")).status_code == 405


def test_evidence_shows_a_short_quote_linked_to_its_source_and_withholds_withdrawn_words(
    world, client_for, viewer
):
    entry = world["entry"]
    entry.evidence_codings.add(world["coding"], world["withdrawn_coding"])
    entry.evidence_mirror_items.add(world["item"])
    page = client_for(viewer).get(url("model-detail", world, "present")).content.decode()
    assert HELEN_WORDS.replace("'", "&#x27;")[:40] in page
    source_url = reverse("themes:source-code", kwargs={"pk": world["coding"].source_id})
    assert f"{source_url}#turn-offset-0" in page
    assert WITHDRAWN_WORDS[:30] not in page
    assert "words withheld: Rosa: consent withdrawn." in page
    assert "We ring round" in page  # the mirror item


def test_a_long_quote_is_cut_short(world, client_for, viewer, participant_a):
    words = "Paperwork " * 60
    source = make_source_with_turns(site=world["site"], turns=[("Helen", words, participant_a)])
    coding = CodingFactory(source=source, start=0, end=len(words))
    world["entry"].evidence_codings.add(coding)
    page = client_for(viewer).get(url("model-detail", world, "present")).content.decode()
    assert "Paperwork " * 14 in page and "Paperwork " * 20 not in page and "…" in page


def test_evidence_of_another_site_linked_behind_the_services_back_is_never_shown(
    world, client_for, viewer
):
    world["entry"].evidence_codings.add(world["coding_b"])
    page = client_for(viewer).get(url("model-detail", world, "present")).content.decode()
    assert "Bravo site" not in page


def test_new_evidence_choices_leave_out_withdrawn_and_other_sites_codings(
    world, client_for, facilitator
):
    form = client_for(facilitator).get(url("model-detail", world, "present")).context["entry_form"]
    choices = set(form.fields["evidence_codings"].queryset)
    assert world["coding"] in choices
    assert world["withdrawn_coding"] not in choices and world["coding_b"] not in choices


def test_the_model_page_runs_a_constant_number_of_queries(
    world, client_for, viewer, django_assert_max_num_queries, participant_a
):
    """7 slots × several entries, each with coded, withheld and mirror evidence: the same
    number of queries for 2 or 6 entries a slot (18: 5 for session, user and access)."""
    client = client_for(viewer)
    source = make_source_with_turns(
        site=world["site"], turns=[("Helen", "Several words " * 20, participant_a)]
    )

    def add_entries(n: int) -> None:
        for element in Element.values:
            for i in range(n):
                entry = EntryFactory(model=world["present"], element=element, text=f"{element} {i}")
                entry.evidence_codings.add(
                    CodingFactory(source=source, start=i, end=i + 20), world["withdrawn_coding"]
                )
                entry.evidence_mirror_items.add(world["item"])

    add_entries(2)
    with CaptureQueriesContext(connection) as few:
        client.get(url("model-detail", world, "present"))
    add_entries(4)
    with django_assert_max_num_queries(18) as many:
        response = client.get(url("model-detail", world, "present"))
    assert len(many.captured_queries) == len(few.captured_queries)
    assert response.content.decode().count('<g class="entry">') == 7 * 6 + 1


def test_the_contradiction_page_shows_its_dated_history_with_sessions(
    world, client_for, facilitator
):
    client = client_for(facilitator)
    client.post(
        url("contradiction-status", world, "contradiction"),
        {"status": "presented", "date": "2006-03-01", "workshop": world["session"].pk},
    )
    world["contradiction"].evidence_codings.add(world["withdrawn_coding"])
    page = client.get(url("contradiction-detail", world, "contradiction")).content.decode()
    assert "Hypothesised by researchers" in page and "Presented as mirror" in page
    assert "1 Mar 2006, in session" in page and "Current practice" in page
    history = page[page.index('id="status-history"') :]
    assert history.index("Hypothesised by researchers") < history.index("Presented as mirror")
    assert '<dd class="col-sm-9" id="current-status"><strong>Presented as mirror' in page
    assert WITHDRAWN_WORDS[:30] not in page and "Rosa: consent withdrawn" in page


def test_the_disturbance_page_withholds_withdrawn_words(world, client_for, viewer):
    world["disturbance"].codings.add(world["coding"], world["withdrawn_coding"])
    page = client_for(viewer).get(url("disturbance-detail", world, "disturbance")).content.decode()
    assert "We sit together now" in page
    assert WITHDRAWN_WORDS[:30] not in page and "words withheld" in page


def test_the_third_generation_view_draws_both_models_and_downloads(world, client_for, viewer):
    shared = SharedObjectFactory(
        site=world["site"], model_a=world["present"], model_b=world["school"], text="The child"
    )
    EntryFactory(model=world["school"], element=Element.RULES, text="Exclusion procedure")
    world["shared"] = shared
    client = client_for(viewer)
    page = client.get(url("shared-object-detail", world, "shared")).content.decode()
    assert "<title>Exclusion procedure</title>" in page
    assert "<title>Referral thresholds</title>" in page and "<title>The child</title>" in page
    assert 'id="central-table"' in page and 'id="neighbour-table"' in page
    response = client.get(url("shared-object-svg", world, "shared"))
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Content-Disposition"].startswith("attachment")
