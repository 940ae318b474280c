"""Speaker-label rules shared by every format, and the paragraph engine of the document formats.

Real transcripts write speakers in a handful of ways (see the module constants). Prose also
contains "Word: text" and "Word - text", so a candidate label is kept only when it has the
shape of a label *and* either recurs in the file or matches a known pattern (Interviewer,
Speaker 2, P10, a legend entry, ...). One label family (colon, dash, bracket id, or a label
alone on a line with a time) is chosen per file: the one with the most accepted lines.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from .base import TIME_PATTERN, ParsedTurn, finish_text, parse_clock


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- Patterns of speaker labels --------------------------------------------------------------

# `[00:01:23] Name: text`, `Name (00:01:23): text`, `Interviewer1 : text`, `Name:` alone.
COLON_RE = re.compile(
    rf"^(?:[\[(]?(?P<t1>{TIME_PATTERN})[\])]?\s*)?"
    r"(?P<label>[^\s:\[\]()][^:\n\[\]()]{0,39}?)\s*"
    rf"(?:[\[(](?P<t2>{TIME_PATTERN})[\])]\s*)?"
    r":(?:\s+(?P<rest>.*))?$"
)
# `I – text`, `C - text`: a short label, then a hyphen, en dash or em dash with spaces around.
DASH_RE = re.compile(r"^(?P<label>[^\s\-–—:\[\]()][^\n:–—\[\]()]{0,30}?)\s+[-–—]\s+(?P<rest>\S.*)$")
# QualCoder: `[id1] text` (a bracketed short id, no colon).
BRACKET_RE = re.compile(r"^\[(?P<id>[^\[\]\s]{1,16})\]\s*(?P<rest>\S.*)$")
# Otter TXT `A1  1:10  ` and Zoom saved captions `[Jane Doe] 19:00:25`: the label alone on a
# line with a time; the turn's text follows on the next line(s).
LINE_LABEL_RE = re.compile(rf"^(?P<label>[^\s\[\]:][^:\n]{{0,39}}?)\s+(?P<time>{TIME_PATTERN})$")
ZOOM_LABEL_RE = re.compile(rf"^\[(?P<label>[^\[\]\n]{{1,40}})\]\s+(?P<time>{TIME_PATTERN})$")

# A time at the start of a paragraph that has no label: `[00:01:23] text`.
LEAD_TIME_RE = re.compile(rf"^[\[(](?P<time>{TIME_PATTERN})[\])]\s*(?P<rest>.*)$")
# `(MM:SS)` / `(HH:MM:SS)` ending a paragraph is its start time (LATACA, some ASR tools).
TRAIL_TIME_RE = re.compile(rf"\((?P<time>{TIME_PATTERN})\)$")

OTTER_FOOTER_RE = re.compile(r"^transcribed by\s+https?://(?:www\.)?otter\.ai/?$", re.I)

METADATA_KEYS = (
    "interview date",
    "date",
    "duration",
    "time",
    "location",
    "title",
    "transcript",
    "recording",
    "project",
    "file",
    "participants",
)
METADATA_RE = re.compile(
    r"^(?P<key>" + "|".join(METADATA_KEYS) + r")\s*:(?:\s*(?P<value>.*))?$", re.I
)

_ROLES = (
    "interviewer|interviewee|respondent|participant|facilitator|moderator|speaker|researcher"
    "|host|co-?host|guest|unknown|narrator|student|teacher|parent|child|patient|doctor|nurse"
    "|client|therapist|counsell?or|caller|presenter|audience|chair|reporter|informant"
    "|consultant|translator|interpreter|observer|question|answer|int|resp|q|a"
)
KNOWN_LABEL_RE = re.compile(
    rf"^(?:co-?)?(?:{_ROLES})(?:\s+speaker)?(?:\s*[#-]?\s*\d{{1,3}}|\s+[A-Z]\d{{0,2}})?$", re.I
)
# Initials and participant codes: I, C, JD, A1, P10 (upper case only).
INITIALS_RE = re.compile(r"^[A-Z]{1,3}\d{0,3}$")

# Words that end a clause with a colon or dash in prose, and metadata keys: never speakers.
STOP_LABELS = _words(
    """
    note notes nb n.b. ps p.s. fyi ok okay tv re fw fwd cc bcc to from subject sent url faq id
    am pm eg e.g. i.e. example examples summary keywords keyword tags tag topic topics agenda
    update edit warning caution tip tips source sources link links email e-mail phone tel
    address website web http https mailto translation comment comments chapter section part
    step total result results conclusion introduction abstract background method methods
    purpose goal aim objective objectives well so and but yes no yeah yep nope oh um uh hmm mm
    then now the this that it we you he she they also however anyway because like actually
    really right sure see look listen wait hi hello thanks please why what when where who how
    which remember important first second third finally next last date duration time location
    title transcript recording project file participants interview
    """
)
# Annotations in square brackets at the start of a line are not bracket ids.
STOP_BRACKET_IDS = _words(
    """
    inaudible unintelligible unintelligable indistinct crosstalk cross-talk laughter laughs
    laughing laugh pause paused silence music applause noise noises redacted sic unclear
    overlapping background coughs cough coughing sighs sigh break end start beginning sound
    interruption interrupted sp ph inaudible? unclear? name place organisation organization
    """
)
_PARTICLES = _words(
    """
    van von de la da del der di du le bin al ben dos das y
    """
)
_LABEL_CHARS_RE = re.compile(r"^[\w .'’&-]+$")
_INITIALS_DOTTED_RE = re.compile(r"^(?:[A-Z]\.)+$")

FAMILIES = ("colon", "line", "dash", "bracket")  # tie-break order, safest first


def is_known_label(label: str) -> bool:
    return bool(KNOWN_LABEL_RE.match(label) or INITIALS_RE.match(label))


@functools.lru_cache(maxsize=4096)  # labels repeat hundreds of times in one file
def label_shape_ok(label: str, family: str, *, any_case: bool = False) -> bool:
    """Does `label` look like a speaker label (not a clause of prose)? `any_case` accepts
    names as video-call tools write display names (`priya natarajan`, `sam K`); only for a
    column of name prefixes (see `prefixed_column_labels`)."""
    if family == "bracket":
        inner = label[1:-1]
        return (
            bool(re.match(r"^[^\W\d_][\w.-]{0,15}$", inner))
            and inner.casefold() not in STOP_BRACKET_IDS
            and parse_clock(inner) is None
        )
    if not label or len(label) > 40 or label.casefold() in STOP_LABELS:
        return False
    if parse_clock(label) is not None or not _LABEL_CHARS_RE.match(label):
        return False
    words = label.split()
    if len(words) > (3 if family == "dash" else 4):
        return False
    known = is_known_label(label)
    first = label[0]
    if not (first.isalpha() and (any_case or not first.islower())) and not known:
        return False
    for index, word in enumerate(words):
        if "." in word and not (
            _INITIALS_DOTTED_RE.match(word) or (len(word) <= 4 and word.endswith("."))
        ):
            return False  # sentence punctuation inside: "Yes. Then"
        if word.isdigit():
            if index != len(words) - 1 or index == 0 or len(word) > 3:
                return False  # only a trailing number: "Speaker 1", "Participant 12"
            continue
        if word[0].islower() and word not in _PARTICLES and not known and not any_case:
            return False  # "Note that", "John said"
    return any(ch.isalpha() for ch in label)


# A name prefix on (nearly) every line or cue: the share of lines that must carry one of the
# recurring labels. Video-call tools (Zoom, Meet) write `Name: text` on every cue, with the
# display name as the account holder typed it (`priya natarajan`, `JOHN O'NEILL`, `sam K`, an
# organisation's account); in prose a clause before a colon is neither that regular nor that
# repetitive, so lower-case names are trusted only in such a column.
COLUMN_SHARE = 0.8
COLUMN_MIN_LINES = 4


def prefixed_column_labels(lines: list[str]) -> set[str]:
    """The labels of a column of `Name: text` prefixes in any case, or an empty set when
    fewer than COLUMN_SHARE of the lines start with a label said at least twice. Lines
    before the first label (a title, a list of attendees) and lines holding only a time
    (Meet's `00:05:00` marks) are not counted."""
    counts: Counter[str] = Counter()
    counted = 0
    for line in lines:
        if parse_clock(line.strip("[]() ")) is not None:
            continue
        cand = colon_candidate(line)
        if cand is not None and label_shape_ok(cand.label, "colon", any_case=True):
            counts[cand.label] += 1
        if counts:
            counted += 1
    recurring = sum(n for n in counts.values() if n >= 2)
    if counted < COLUMN_MIN_LINES or recurring < COLUMN_SHARE * counted:
        return set()
    # An established column: a speaker who spoke once is still a speaker.
    return {label for label, n in counts.items() if n >= 2 or len(label.split()) <= 3}


@dataclass
class Candidate:
    family: str
    label: str
    rest: str
    start_ms: int | None = None


def colon_candidate(line: str) -> Candidate | None:
    match = COLON_RE.match(line)
    if match is None:
        return None
    label = " ".join(match.group("label").split())
    time = match.group("t1") or match.group("t2")
    start = parse_clock(time) if time else None
    return Candidate("colon", label, (match.group("rest") or "").strip(), start)


def find_candidates(line: str) -> list[Candidate]:
    """Every reading of `line` as a labelled line, at most one per family."""
    found: list[Candidate] = []
    match = ZOOM_LABEL_RE.match(line) or LINE_LABEL_RE.match(line)
    if match is not None:
        label = " ".join(match.group("label").split())
        found.append(Candidate("line", label, "", parse_clock(match.group("time"))))
    colon = colon_candidate(line)
    if colon is not None:
        found.append(colon)
    match = BRACKET_RE.match(line)
    if match is not None:
        found.append(Candidate("bracket", f"[{match.group('id')}]", match.group("rest").strip()))
    match = DASH_RE.match(line)
    if match is not None:
        label = " ".join(match.group("label").split())
        found.append(Candidate("dash", label, match.group("rest").strip()))
    return [c for c in found if label_shape_ok(c.label, c.family)]


@dataclass
class LabelChoice:
    family: str | None
    labels: set[str]


def choose_labels(
    per_line: list[list[Candidate]],
    legend: set[str] | frozenset[str] = frozenset(),
    families: tuple[str, ...] = FAMILIES,
    *,
    captions: bool = False,
) -> LabelChoice:
    """Pass two: keep the labels that look deliberate, then pick one family.

    A label is deliberate when it recurs, is defined by a legend, or (colon and label-line
    families) matches a known pattern or carries a time (`[00:01:23] Ann:`). Once a family
    is established (two such lines; in captions, two labelled cues of any kind, because a
    cue starting with `Name:` is how caption tools write speakers), a speaker who speaks
    only once is accepted too.
    """
    counts: Counter[tuple[str, str]] = Counter()
    timed: set[tuple[str, str]] = set()
    for candidates in per_line:
        for cand in candidates:
            counts[(cand.family, cand.label)] += 1
            if cand.start_ms is not None:
                timed.add((cand.family, cand.label))
    best = LabelChoice(None, set())
    best_score = 0
    for family in families:
        found = {label: n for (fam, label), n in counts.items() if fam == family}
        if not found:
            continue
        lenient = family in ("colon", "line")
        accepted = {
            label
            for label, n in found.items()
            if n >= 2
            or label in legend
            or label.strip("[]") in legend
            or (lenient and (is_known_label(label) or (family, label) in timed))
        }
        score = sum(found[label] for label in accepted)
        if lenient and (score >= 2 or (captions and sum(found.values()) >= 2)):
            # An established label column: a speaker who spoke once is still a speaker.
            accepted |= {label for label, n in found.items() if n == 1 and len(label.split()) <= 3}
            score = sum(found[label] for label in accepted)
        if family in ("dash", "bracket") and not legend and len(accepted) < 2:
            continue  # one recurring "Well - ..." is prose, not a two-party transcript
        if score > best_score:
            best, best_score = LabelChoice(family, accepted), score
    return best


# --- Legends: `[I] – Interviewer \t[C] - Client` -----------------------------------------------

_LEGEND_SPLIT_RE = re.compile(r"\t|;|,|\||\s{2,}")
_LEGEND_PIECE_RE = re.compile(
    r"^(?P<open>[\[(])?(?P<label>[A-Z][A-Za-z]{0,3}\d{0,2})(?(open)[\])])\s*"
    r"(?P<sep>[-–—=:]\s*)?(?P<role>[A-Za-z][A-Za-z .'-]{1,40})$"
)


def parse_legend(line: str) -> set[str] | None:
    """Labels defined by a legend line, or None when the line is not a legend."""
    pieces = [p.strip() for p in _LEGEND_SPLIT_RE.split(line) if p.strip()]
    labels: set[str] = set()
    bracketed = False
    for piece in pieces:
        match = _LEGEND_PIECE_RE.match(piece)
        if match is None or len(match.group("role").split()) > 4:
            return None
        if not (match.group("open") or match.group("sep")):
            return None
        bracketed = bracketed or bool(match.group("open"))
        labels.add(match.group("label"))
    if len(pieces) >= 2 or (
        len(pieces) == 1 and bracketed and KNOWN_LABEL_RE.match(pieces[0].split()[-1])
    ):
        return labels
    return None


# --- The paragraph engine (txt, docx, odt, rtf, otr) -------------------------------------------


@dataclass
class Paragraph:
    """One source paragraph: its lines (soft line breaks split it), as the format gives it."""

    lines: list[str]
    heading: bool = False
    start_ms: int | None = None  # a time the container gives (oTranscribe timestamp spans)


@dataclass
class _Chunk:
    speaker: str
    para_index: int
    start_ms: int | None = None
    lines: list[str] = field(default_factory=list)


_SENTENCE_END = (".", "?", "!", ",", ";", ":", "…")


def _title_like(paragraph: Paragraph) -> bool:
    if len(paragraph.lines) != 1:
        return False
    line = paragraph.lines[0]
    return (
        len(line) <= 100
        and len(line.split()) <= 12
        and not line.endswith(_SENTENCE_END)
        and not line[0].islower()
    )


def turns_from_paragraphs(
    paragraphs: list[Paragraph], metadata: dict[str, str] | None = None
) -> tuple[list[ParsedTurn], dict[str, str]]:
    """Apply the line-level speaker rules to a document's paragraphs."""
    meta: dict[str, str] = dict(metadata or {})
    paras: list[Paragraph] = []
    for para in paragraphs:
        # NFC first: a label typed with combining accents ("Jose\u0301") must match itself.
        lines = [unicodedata.normalize("NFC", ln).strip() for ln in para.lines]
        lines = [ln for ln in lines if ln and not OTTER_FOOTER_RE.match(ln)]
        if lines:
            paras.append(Paragraph(lines, para.heading, para.start_ms))

    # Trailing "(MM:SS)" on a paragraph's last line: its start time, removed from the text.
    # (Put back below if the paragraph turns out not to start a turn.)
    trail_ms: list[int | None] = []
    trail_text: list[str] = []
    for para in paras:
        ms = None
        match = TRAIL_TIME_RE.search(para.lines[-1])
        before = para.lines[-1][: match.start()].rstrip() if match is not None else ""
        if match is not None and before:
            ms = parse_clock(match.group("time"))
            if ms is not None:
                trail_text.append(para.lines[-1][len(before) :])
                para.lines[-1] = before
        if ms is None:
            trail_text.append("")
        trail_ms.append(ms)

    flat: list[tuple[int, str]] = [(i, ln) for i, para in enumerate(paras) for ln in para.lines]

    # A legend among the first lines defines labels and is metadata, not a turn.
    legend: set[str] = set()
    legend_lines: set[int] = set()
    for k, (_, line) in enumerate(flat[:10]):
        defined = parse_legend(line)
        if defined:
            legend |= defined
            legend_lines.add(k)

    per_line = [[] if k in legend_lines else find_candidates(ln) for k, (_, ln) in enumerate(flat)]
    column = prefixed_column_labels([ln for k, (_, ln) in enumerate(flat) if k not in legend_lines])
    if column:
        # Names in any case: add the colon readings the strict shape rule turned down.
        for k, (_, line) in enumerate(flat):
            cand = colon_candidate(line) if k not in legend_lines else None
            if cand is not None and cand.label in column:
                per_line[k] = [c for c in per_line[k] if c.family != "colon"] + [cand]
    choice = choose_labels(per_line, legend)
    if column:
        strict = choice.labels if choice.family == "colon" else set()
        choice = LabelChoice("colon", strict | column)
    labelled: dict[int, Candidate] = {}
    if choice.family is not None:
        for k, candidates in enumerate(per_line):
            for cand in candidates:
                if cand.family == choice.family and cand.label in choice.labels:
                    labelled[k] = cand
    first_label = min(labelled) if labelled else len(flat)

    # The leading block: header lines (Date:, Duration: ...), the legend, a title.
    consumed: set[int] = set()
    seen_content = False
    for k in range(first_label):
        para_index, line = flat[k]
        match = METADATA_RE.match(line)
        if match is not None:
            value = (match.group("value") or "").strip()
            if value:
                meta.setdefault(match.group("key").strip(), value)
            consumed.add(k)
        elif k in legend_lines:
            pieces = [" ".join(p.split()) for p in _LEGEND_SPLIT_RE.split(line) if p.strip()]
            meta["Speakers"] = "; ".join(filter(None, [meta.get("Speakers"), *pieces]))
            consumed.add(k)
        elif (
            not seen_content
            and "Title" not in meta
            and (paras[para_index].heading or labelled)
            and _title_like(paras[para_index])
        ):
            meta["Title"] = line
            consumed.add(k)
        elif not labelled:
            break  # without labels only the very first lines can be a header
        else:
            seen_content = True

    chunks: list[_Chunk] = []
    current: _Chunk | None = None
    mark_ms: int | None = None  # a line holding only a time (Meet's `00:05:00`)
    k = 0
    for para_index, para in enumerate(paras):
        started_here: _Chunk | None = None
        for line in para.lines:
            index, k = k, k + 1
            if index in consumed:
                continue
            if labelled and parse_clock(line.strip("[]() ")) is not None:
                mark_ms = parse_clock(line.strip("[]() "))  # the next turn's start, not words
                continue
            cand = labelled.get(index)
            if cand is not None:
                start_ms = cand.start_ms if cand.start_ms is not None else mark_ms
                mark_ms = None
                current = _Chunk(cand.label, para_index, start_ms)
                if cand.rest:
                    current.lines.append(cand.rest)
                chunks.append(current)
                started_here = current
                continue
            if current is None or (current.speaker == "" and current.para_index != para_index):
                # Unlabelled text before any label, or any paragraph of an unlabelled file.
                start = None
                match = LEAD_TIME_RE.match(line)
                if match is not None and match.group("rest"):
                    start = parse_clock(match.group("time"))
                    if start is not None:
                        line = match.group("rest")
                current = _Chunk("", para_index, start)
                chunks.append(current)
                started_here = current
            current.lines.append(line)
        if started_here is not None and started_here.start_ms is None:
            started_here.start_ms = (
                para.start_ms if para.start_ms is not None else trail_ms[para_index]
            )
        elif started_here is None and trail_text[para_index] and current is not None:
            current.lines[-1] += trail_text[para_index]  # a time mark inside a turn: keep it
    return merge_chunks(chunks), meta


def merge_chunks(chunks: list[_Chunk]) -> list[ParsedTurn]:
    """Drop empty chunks, then merge runs of one (non-empty) speaker into one turn."""
    turns: list[ParsedTurn] = []
    texts: list[list[str]] = []
    for chunk in chunks:
        text = finish_text("\n".join(chunk.lines))
        if not text:
            continue
        speaker = finish_text(chunk.speaker)
        if turns and speaker and turns[-1].speaker == speaker:
            texts[-1].append(text)
            continue
        turns.append(ParsedTurn(speaker=speaker, text="", start_ms=chunk.start_ms))
        texts.append([text])
    for turn, parts in zip(turns, texts, strict=True):
        turn.text = "\n".join(parts)
    return turns


# --- Tables (docx/odt): a row of cells becomes one line ----------------------------------------

_HEADER_CELLS = _words(
    """
    speaker name text transcript transcription time timestamp start end utterance content who
    said dialogue
    """
)


def table_rows_to_paragraphs(rows: list[list[str]]) -> list[Paragraph]:
    """Transcripts are often tables of (time,) speaker, text. Make such a row read like a
    `[time] Speaker: text` line so the ordinary label rules judge it; other tables give one
    paragraph per non-empty cell."""
    out: list[Paragraph] = []
    for row in rows:
        cells = [c.strip() for c in row if c.strip()]
        if not cells:
            continue
        if all(c.casefold() in _HEADER_CELLS for c in cells):
            continue  # a header row: "Speaker | Text"
        if 2 <= len(cells) <= 3:
            time = next((c for c in cells if parse_clock(c.strip("[]()")) is not None), None)
            others = [c for c in cells if c is not time]
            if len(others) == 2 and "\n" not in others[0] and len(others[0]) <= 40:
                prefix = f"[{time.strip('[]()')}] " if time else ""
                out.append(Paragraph(f"{prefix}{others[0]}: {others[1]}".split("\n")))
                continue
        out.extend(Paragraph(cell.split("\n")) for cell in cells)
    return out
