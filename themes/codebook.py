"""The study's seed codebook (DOMAIN.md A8, with the analytic groups of A2–A4).

Each entry: (seed key, name, definition, inclusion, exclusion, example, colour, children).
A folder (not codable) has children; codes have none. Definitions are paraphrased.
"""

from __future__ import annotations

from typing import NamedTuple


class Code(NamedTuple):
    key: str
    name: str
    definition: str = ""
    inclusion: str = ""
    exclusion: str = ""
    example: str = ""
    colour: str = "#1d3557"
    children: tuple = ()

    @property
    def codable(self) -> bool:
        return not self.children


def _leaf(key, name, definition, inclusion="", exclusion="", example="", colour="#1d3557"):
    return Code(key, name, definition, inclusion, exclusion, example, colour)


EMERGING = Code(
    "emerging",
    "Emerging themes",
    "The four cross-site themes that emerged from the fieldwork.",
    children=(
        _leaf(
            "co-location",
            "Co-location and co-working",
            "Working in shared premises or teams, and how that changes interaction.",
            "Talk of shared offices, informal corridor consultation, 'being in the same room'.",
            "Joint work at a distance with no change in how people meet (code Knowing who).",
            "“Because we sit together I just turn round and ask her.”",
            "#0b6e4f",
        ),
        _leaf(
            "identities",
            "Evolving professional identities",
            "A shifting sense of what one's profession is and does in a new configuration.",
            "“I'm not really a … any more”, role blurring, subject position.",
            "Statements of expertise without any sense of change (code Professional expertise).",
            "“I don't know if I'm a teacher any more, or something new.”",
            "#8a3b12",
        ),
        _leaf(
            "division-of-labour",
            "Divisions of labour",
            "Who does what and who decides: horizontal task allocation, vertical power and status.",
            "Case-holding, chairing, referral rights; operational versus strategic.",
            "The activity-system element itself when used analytically (code Division of "
            "labour under Activity-system elements).",
            "“It's always us who end up holding the case.”",
            "#6a1b9a",
        ),
        _leaf(
            "expertise",
            "Professional expertise",
            "Specialist core expertise, and its recognition by others.",
            "Claims of expertise, deference, contest.",
            "Expertise in working with other professions (code Relational expertise).",
            "“That's an EP question, not mine.”",
            "#1565c0",
        ),
    ),
)

LIW = Code(
    "liw",
    "LIW concepts",
    "Concepts from the Learning in and for Inter-agency Working project.",
    children=(
        _leaf(
            "relational-agency",
            "Relational agency",
            "Capacity to work alongside others on complex problems towards negotiated "
            "outcomes, mediated by common knowledge.",
            "Joint interpretation of a case; aligning motives; negotiated action.",
            "Simple information exchange with no joint interpretation.",
            "“We worked out together what would actually help him.”",
            "#2e7d32",
        ),
        _leaf(
            "relational-expertise",
            "Relational expertise",
            "Expertise in addition to core specialist expertise: recognising and responding to "
            "other professionals' standpoints.",
            "Explaining one's practice to others; adapting to others' priorities.",
            "",
            "“I've learnt to put it in terms the school cares about.”",
            "#00838f",
        ),
        _leaf(
            "common-knowledge",
            "Common knowledge",
            "Knowledge of what matters to each practice, built at practice boundaries.",
            "“For the school what matters is…”",
            "",
            "“For health what matters is the weight chart.”",
            "#ad1457",
        ),
        _leaf(
            "distributed-expertise",
            "Distributed expertise",
            "Expertise distributed across local systems, which practitioners must recognise and "
            "access.",
            "Mapping who knows what; using others' expertise.",
            "",
            "",
            "#4e342e",
        ),
        _leaf(
            "knowing-who",
            "Knowing who",
            "Knowing where relevant expertise sits in the local system and how to reach it "
            "('knowing how to know who').",
            "Named contacts, informal networks, directories, “I rang X”.",
            "",
            "“I just rang Sue at the PCT, she always knows.”",
            "#37474f",
        ),
        _leaf(
            "rule-bending",
            "Rule-bending",
            "Adjusting or circumventing procedures to meet a child's needs; a marker of "
            "contradiction between work needs and organisational set-up.",
            "Workarounds, “strictly we shouldn't but…”.",
            "Simply breaking rules with no child-centred reason.",
            "“Strictly we shouldn't take it without a referral, but…”",
            "#c62828",
        ),
        _leaf(
            "boundary-objects",
            "Boundary objects",
            "Artefacts plastic enough to adapt to local needs yet robust enough to keep a common "
            "identity across practices.",
            "Shared forms, plans, case files used differently by each agency.",
            "",
            "“The CAF form means something different to each of us.”",
            "#ef6c00",
        ),
        _leaf(
            "boundary-crossing",
            "Boundary crossing and boundary work",
            "Work at the intersection of practices; sites of action at boundaries.",
            "Joint meetings; new boundary roles.",
            "",
            "",
            "#5d4037",
        ),
        _leaf(
            "knotworking",
            "Knotworking",
            "Rapidly emerging and dissolving collaboration among actors not previously connected, "
            "with no fixed centre.",
            "Ad hoc case knots, “whoever is around pulls together”.",
            "Standing meetings with fixed membership.",
            "",
            "#283593",
        ),
        _leaf(
            "co-configuration",
            "Co-configuration",
            "Ongoing, long-term partnership between professionals and service users around a "
            "client's trajectory.",
            "User and family involvement; evolving packages of support.",
            "",
            "",
            "#558b2f",
        ),
        _leaf(
            "object-motive",
            "Object and object-motive (what matters)",
            "What is worked on, and how each actor objectifies it.",
            "“For us the child is…”, competing definitions.",
            "",
            "",
            "#6d4c41",
        ),
        _leaf(
            "vertical-learning",
            "Vertical learning",
            "Learning between operational and strategic levels.",
            "Manager–practitioner exchanges in workshops.",
            "",
            "",
            "#455a64",
        ),
    ),
)

_ELEMENTS = [
    ("subject", "Subject", "The person or group whose viewpoint the analysis takes."),
    ("object", "Object", "What the activity works on, and the motive behind it."),
    ("outcome", "Outcome", "What the activity produces, intended or not."),
    ("instruments", "Instruments (mediating artefacts)", "Material and conceptual tools."),
    ("rules", "Rules", "Explicit and implicit norms, regulations and conventions."),
    ("community", "Community", "Everyone who shares the object."),
    (
        "element-division-of-labour",
        "Division of labour (element)",
        "Horizontal division of tasks, vertical division of power and status.",
    ),
]
_CONTRADICTIONS = [
    ("primary", "Primary contradiction", "An inner contradiction within one element."),
    ("secondary", "Secondary contradiction", "Between two elements of the same system."),
    (
        "tertiary",
        "Tertiary contradiction",
        "Between the dominant form of the activity and a culturally more advanced form.",
    ),
    (
        "quaternary",
        "Quaternary contradiction",
        "Between the central activity and its neighbour activities.",
    ),
]
_ACTIONS = [
    ("questioning", "Questioning", "Criticising or rejecting accepted practice."),
    ("analysing", "Analysing", "Tracing how the situation evolved; mapping inner relations."),
    ("modelling", "Modelling", "Modelling a new solution."),
    ("examining", "Examining the model", "Testing the model: strengths, limits, variants."),
    ("implementing", "Implementing", "Putting the model into practice."),
    ("reflecting", "Reflecting", "Reviewing and evaluating the process."),
    ("consolidating", "Consolidating", "Consolidating and generalising the new practice."),
]

ANALYTIC = Code(
    "activity-theory",
    "Activity-theory analytic codes",
    "Analytic codes from cultural-historical activity theory (DOMAIN A2–A4).",
    children=(
        Code(
            "elements",
            "Activity-system elements",
            "The seven elements of the activity system.",
            children=tuple(_leaf(k, n, d, colour="#0d47a1") for k, n, d in _ELEMENTS),
        ),
        Code(
            "contradictions",
            "Contradiction levels",
            "Engeström's four levels of contradiction.",
            children=tuple(_leaf(k, n, d, colour="#b71c1c") for k, n, d in _CONTRADICTIONS),
        ),
        Code(
            "learning-actions",
            "Expansive learning actions",
            "The seven actions of the expansive learning cycle.",
            children=tuple(_leaf(k, n, d, colour="#1b5e20") for k, n, d in _ACTIONS),
        ),
        _leaf(
            "disturbance",
            "Disturbance",
            "An observed incident, breakdown or workaround: raw evidence of a contradiction.",
            colour="#e65100",
        ),
    ),
)

CODEBOOK: tuple[Code, ...] = (EMERGING, LIW, ANALYTIC)


def walk(codes=CODEBOOK, parent_key: str | None = None):
    """Yield (code, parent key, order) depth-first, parents before children."""
    for order, code in enumerate(codes):
        yield code, parent_key, order
        yield from walk(code.children, code.key)
