"""The default six-session LIW-style series (DOMAIN A6): a reconstruction from Change
Laboratory sources and LIW emphases, not LIW's documented agenda. Every field is prefilled
and editable once a series is started from it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import ConceptualTool, LearningAction, TimeLayer

L = LearningAction
T = TimeLayer
C = ConceptualTool


@dataclass(frozen=True)
class AgendaItem:
    title: str
    minutes: int
    second_stimulus: str = ""
    description: str = ""


@dataclass(frozen=True)
class SessionTemplate:
    title: str
    layers: tuple[str, ...]
    actions: tuple[str, ...]
    first_stimulus: str
    second_stimulus: str
    expected_outputs: str
    agenda: tuple[AgendaItem, ...] = field(default=())


TEMPLATE_KEY = "liw6"

LIW_SIX: tuple[SessionTemplate, ...] = (
    SessionTemplate(
        "Current practice",
        (T.PRESENT,),
        (L.QUESTIONING,),
        "Fieldwork excerpts: recent cases, interview quotes on co-location, role confusion, "
        "“who do I ring?”",
        "Triangle (introduced); ground rules",
        "Participants' list of tensions; first present-layer sketch",
        (
            AgendaItem("Welcome, recording notice and ground rules", 10, C.GROUND_RULES),
            AgendaItem("Mirror data: recent cases and quotes", 40),
            AgendaItem("Introducing the activity-system triangle", 25, C.TRIANGLE),
            AgendaItem("Listing the tensions we see", 30, C.TRIANGLE),
            AgendaItem("Summary and next session", 15),
        ),
    ),
    SessionTemplate(
        "How did we get here?",
        (T.PAST,),
        (L.ANALYSING,),
        "Pre- and post-ECM documents, old referral forms, long-serving staff accounts",
        "Timeline template; past-layer triangle",
        "Past model; candidate primary and secondary contradictions",
        (
            AgendaItem("Previous-session summary", 10),
            AgendaItem("Mirror data: documents and accounts from before", 35),
            AgendaItem("Building the timeline", 35, C.TIMELINE),
            AgendaItem("The past-layer triangle", 30, C.TRIANGLE),
            AgendaItem("Summary and next session", 10),
        ),
    ),
    SessionTemplate(
        "Inside today's system",
        (T.PRESENT,),
        (L.ANALYSING,),
        "Critical incidents and disturbances; workarounds (rule-bending)",
        "Third-generation diagram (team + school/CAMHS/social care)",
        "Contradictions register (levels 2–4)",
        (
            AgendaItem("Previous-session summary", 10),
            AgendaItem("Mirror data: critical incidents and workarounds", 40),
            AgendaItem("The team and its neighbours", 40, C.THIRD_GENERATION),
            AgendaItem("Naming the contradictions", 20, C.SITE_MODEL),
            AgendaItem("Summary and next session", 10),
        ),
    ),
    SessionTemplate(
        "What could it be?",
        (T.FUTURE,),
        (L.MODELLING,),
        "Selected excerpts of emerging good practice (“germ cells”)",
        "Future-layer triangle; ideas surface",
        "Draft new model; proposed tools and rules changes",
        (
            AgendaItem("Previous-session summary", 10),
            AgendaItem("Mirror data: emerging good practice", 30),
            AgendaItem("Modelling the future system", 45, C.TRIANGLE),
            AgendaItem("New tools and rules on the ideas surface", 25),
            AgendaItem("Summary and next session", 10),
        ),
    ),
    SessionTemplate(
        "Testing with strategic managers",
        (T.FUTURE, T.PRESENT),
        (L.EXAMINING,),
        "Summary of sessions 1–4; the model",
        "Model plus “what would need to change” matrix",
        "Examined model; agreed experiments; vertical-learning record",
        (
            AgendaItem("The story so far (sessions 1–4)", 20),
            AgendaItem("Examining the model with managers", 40, C.SITE_MODEL),
            AgendaItem("What would need to change", 30, C.CHANGE_MATRIX),
            AgendaItem("Agreeing experiments", 30),
        ),
    ),
    SessionTemplate(
        "Review and next steps",
        (T.PAST, T.PRESENT, T.FUTURE),
        (L.IMPLEMENTING, L.REFLECTING, L.CONSOLIDATING),
        "Evidence from experiments; previous summaries",
        "Expansive-cycle diagram",
        "Reflection record; follow-up plan",
        (
            AgendaItem("Evidence from the experiments", 35),
            AgendaItem("Where are we on the cycle?", 35, C.CYCLE),
            AgendaItem("Follow-up plan", 30),
            AgendaItem("Close", 10),
        ),
    ),
)

FOLLOW_UP = SessionTemplate(
    "Follow-up",
    (T.PRESENT,),
    (L.CONSOLIDATING,),
    "Outcome data",
    "Cycle diagram",
    "Consolidation notes",
    (
        AgendaItem("Outcome data since the series", 40),
        AgendaItem("Consolidating the new practice", 40, C.CYCLE),
        AgendaItem("Close", 10),
    ),
)
