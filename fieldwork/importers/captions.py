"""Caption files (WebVTT and SRT) into speaker turns.

The cue blocks are parsed here with a tolerant line scanner rather than webvtt-py, because
real exports break its rules. Measured (1 Dec 2026, webvtt-py 0.6.0, the six caption files
of shared/fixtures/transcripts): it refuses vtt_asr_no_header_dash_turns.vtt outright
(MalformedFileError: an ASR export with numbered cues and no `WEBVTT` header), so one real
file in six would not import; the five it reads it turns into cues only, and what makes them
a transcript (voice tags, Webex ids, rolling YouTube captions, `Name:` labels, UTF-16 SRT)
is done here either way. So webvtt-py is not a dependency.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

from .base import ParsedTurn, TranscriptError, finish_text
from .labels import (
    Candidate,
    choose_labels,
    colon_candidate,
    label_shape_ok,
    prefixed_column_labels,
)

_TS = r"(?:\d+:)?\d{1,2}:\d{1,2}(?:[.,:]\d{1,3})?"
TIMING_RE = re.compile(rf"^\s*(?P<start>{_TS})\s*-->\s*(?P<end>{_TS})(?P<settings>.*)$")
_TS_PARTS_RE = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,:](\d{1,3}))?$")

# Tag patterns are bounded so a hostile line full of "<" cannot make matching quadratic.
_VOICE_RE = re.compile(r"<v(?:\.[^\s>]{0,100})?\s+([^>\n]{0,200})>", re.I)
_TAG_RE = re.compile(r"</?[A-Za-z0-9:.][^>\n]{0,200}>")  # <c>, <i>, </v>, <00:00:07.680>
_ASS_RE = re.compile(r"\{\\[^}\n]{0,200}\}")  # SRT `{\an8}` positioning
_DIALOGUE_DASH_RE = re.compile(r"^[-–—]\s+")
# Webex VTT: the cue identifier carries the speaker, `1 "Jane Doe" (123456)`.
_WEBEX_ID_RE = re.compile(r'^\d+\s+"(?P<name>[^"\n]{1,60})"')
_HEADER_KEY_RE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z -]{0,30}):\s*(?P<value>.*)$")
_BLOCK_KEYWORDS = ("NOTE", "STYLE", "REGION")
_SENTENCE_END_RE = re.compile(r"[.?!…][\"'’”)\]]*$")

GAP_MS = 2000  # a pause this long starts a new unlabelled segment
SEGMENT_CHARS = 1000  # past this, an unlabelled segment ends at the next sentence end
SEGMENT_HARD_CHARS = 1600  # ... or here, sentence end or not


@dataclass
class Cue:
    ident: str
    start_ms: int
    end_ms: int
    lines: list[str]


@dataclass
class _Unit:
    text: str
    start_ms: int
    end_ms: int
    speaker: str | None = None  # from a voice tag or the cue id
    boundary: bool = False  # ">>" speaker-change mark before this text
    label: Candidate | None = None


@dataclass
class _Segment:
    speaker: str
    start_ms: int
    end_ms: int
    parts: list[str] = field(default_factory=list)
    chars: int = 0


def cue_time(value: str) -> int:
    match = _TS_PARTS_RE.match(value.strip())
    if match is None:  # TIMING_RE only lets times through that this regex accepts
        raise TranscriptError("A caption time could not be read.")
    hours, minutes, seconds, fraction = match.groups()
    ms = ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000
    if fraction:
        ms += round(int(fraction) * 10 ** (3 - len(fraction)))
    return ms


def looks_like_captions(text: str) -> str | None:
    """'vtt' or 'srt' when a text file holds captions, else None."""
    stripped = text.lstrip()
    if stripped.startswith("WEBVTT"):
        return "vtt"
    head = [ln for ln in stripped.split("\n", 12)[:12] if ln.strip()]
    for index, line in enumerate(head[:3]):
        if TIMING_RE.match(line):
            return "srt" if index == 1 and head[0].strip().isdigit() else "vtt"
    return None


def parse_cues(text: str, ext: str) -> tuple[list[Cue], dict[str, str]]:
    lines = text.split("\n")
    metadata: dict[str, str] = {}
    first = 0
    if lines and lines[0].strip().startswith("WEBVTT"):
        first = 1
        # The header block: `Kind: captions`, `Language: en` (yt-dlp), up to the first blank.
        while first < len(lines) and lines[first].strip():
            if TIMING_RE.match(lines[first]):
                break
            match = _HEADER_KEY_RE.match(lines[first].strip())
            if match is not None and match.group("value").strip():
                metadata.setdefault(match.group("key").strip(), match.group("value").strip())
            first += 1
    timings = [i for i in range(first, len(lines)) if TIMING_RE.match(lines[i])]
    if not timings:
        raise TranscriptError(
            f"This .{ext} file has no caption cues (no lines like "
            "00:00:01.000 --> 00:00:04.000), so it is not a caption file."
        )

    def ident_before(t: int) -> str:
        # A cue id is the non-blank line right above the timing line, itself after a blank
        # line (or the header); an all-digit line there is an SRT number in any case.
        if t - 1 < first or not lines[t - 1].strip() or TIMING_RE.match(lines[t - 1]):
            return ""
        above = lines[t - 2].strip() if t - 2 >= first else ""
        if not above or lines[t - 1].strip().isdigit():
            return lines[t - 1].strip()
        return ""

    cues: list[Cue] = []
    for n, t in enumerate(timings):
        match = TIMING_RE.match(lines[t])
        if match is None:  # never: `timings` holds the lines TIMING_RE matched
            continue
        end = timings[n + 1] if n + 1 < len(timings) else len(lines)
        next_ident = ident_before(end) if n + 1 < len(timings) else ""
        if next_ident:
            end -= 1
        text_lines: list[str] = []
        block_start = True
        skipping = False
        seen_text = False
        for line in lines[t + 1 : end]:
            if not line.strip():
                block_start = True
                continue
            if block_start and seen_text:
                # A NOTE/STYLE/REGION block between cues is not cue text.
                skipping = line.lstrip().startswith(_BLOCK_KEYWORDS)
            block_start = False
            if not skipping:
                text_lines.append(line)
                seen_text = True
        cues.append(
            Cue(
                ident_before(t),
                cue_time(match.group("start")),
                cue_time(match.group("end")),
                text_lines,
            )
        )
    return cues, metadata


def _clean(line: str) -> str:
    line = html.unescape(_ASS_RE.sub("", _TAG_RE.sub("", line)))
    return unicodedata.normalize("NFC", " ".join(line.replace("\u200b", "").split()))


def _cue_pieces(cue: Cue) -> list[tuple[str | None, str]]:
    """(voice-tag speaker or None, cleaned line) for each line of the cue."""
    raw = "\n".join(cue.lines)
    pieces: list[tuple[str | None, str]] = []
    speaker: str | None = None
    pos = 0
    for match in _VOICE_RE.finditer(raw):
        pieces.extend((speaker, ln) for ln in raw[pos : match.start()].split("\n"))
        speaker = " ".join(match.group(1).split()) or None
        pos = match.end()
    pieces.extend((speaker, ln) for ln in raw[pos:].split("\n"))
    cleaned = [(sp, _clean(ln)) for sp, ln in pieces]
    return [(sp, ln) for sp, ln in cleaned if ln]


def _is_rolling(cue_lines: list[list[str]]) -> bool:
    """YouTube auto-captions repeat each cue's last line as the next cue's first line."""
    pairs = repeats = 0
    previous: list[str] = []
    for lines in cue_lines:
        if lines and previous:
            pairs += 1
            repeats += lines[0] == previous[-1]
        if lines:
            previous = lines
    return pairs >= 3 and repeats >= pairs * 0.3


def _new_lines(norm: list[str], recent: list[str]) -> int:
    """How many leading lines of a rolling cue repeat the lines shown before it."""
    for k in range(min(len(norm), len(recent)), 0, -1):
        if norm[:k] == recent[-k:]:
            return k
    return 0


def cue_units(cues: list[Cue]) -> list[_Unit]:
    pieces_per_cue = [_cue_pieces(cue) for cue in cues]
    rolling = _is_rolling([[ln for _, ln in pieces] for pieces in pieces_per_cue])
    units: list[_Unit] = []
    recent: list[str] = []
    for cue, pieces in zip(cues, pieces_per_cue, strict=True):
        if rolling:
            norm = [ln for _, ln in pieces]
            skip = _new_lines(norm, recent)
            if skip == 0 and pieces and recent and norm[0].startswith(recent[-1]):
                # A line that grows word by word: keep only the words not shown yet.
                grown = norm[0][len(recent[-1]) :].strip()
                recent[-1] = norm[0]
                pieces = [(pieces[0][0], grown)] + pieces[1:] if grown else pieces[1:]
                norm = norm[1:]
            else:
                pieces = pieces[skip:]
                norm = norm[skip:]
            recent = (recent + norm)[-4:]
        id_speaker = _ident_speaker(cue.ident)
        for voice, line in pieces:
            # ">>" is the closed-caption mark of a new speaker (unnamed).
            parts = line.split(">>")
            for index, part in enumerate(parts):
                part = _DIALOGUE_DASH_RE.sub("", part.strip()).strip()
                if not part or part in ("-", "–", "—"):
                    continue
                units.append(
                    _Unit(
                        part,
                        cue.start_ms,
                        cue.end_ms,
                        speaker=voice or id_speaker,
                        boundary=index > 0,
                    )
                )
    return units


def _ident_speaker(ident: str) -> str | None:
    match = _WEBEX_ID_RE.match(ident)
    if match is not None:
        return " ".join(match.group("name").split())
    if ident and not ident.isdigit() and label_shape_ok(ident, "colon"):
        return ident  # an id that is a name
    return None


def caption_turns(cues: list[Cue]) -> list[ParsedTurn]:
    units = cue_units(cues)
    # `Name: text` inside cue text (Zoom; Otter and podcast tools only on a change of speaker).
    per_unit: list[list[Candidate]] = []
    # Zoom and Meet put `Name: text` on every cue, names written in any case.
    column = prefixed_column_labels([u.text for u in units if u.speaker is None])
    for unit in units:
        cand = colon_candidate(unit.text)
        if cand is not None and unit.speaker is not None:
            if cand.label == unit.speaker:
                unit.text = cand.rest  # `<v Ann>Ann: hi` or a Webex id and the name again
            cand = None
        keep = cand is not None and (cand.label in column or label_shape_ok(cand.label, "colon"))
        per_unit.append([cand] if keep else [])
    choice = choose_labels(per_unit, column, families=("colon",), captions=True)
    for unit, candidates in zip(units, per_unit, strict=True):
        if candidates and candidates[0].label in choice.labels:
            unit.speaker = candidates[0].label
            unit.text = candidates[0].rest

    # A label holds until the next one: following unlabelled cues continue that speaker.
    current = ""
    for unit in units:
        if unit.speaker:
            current = unit.speaker
        else:
            unit.speaker = current

    segments: list[_Segment] = []
    for unit in units:
        speaker = unit.speaker or ""
        seg = segments[-1] if segments else None
        if seg is not None and seg.speaker == speaker and (speaker or _continues(seg, unit)):
            if unit.text:
                seg.parts.append(unit.text)
                seg.chars += len(unit.text) + 1
            seg.end_ms = max(seg.end_ms, unit.end_ms)
            continue
        seg = _Segment(speaker, unit.start_ms, unit.end_ms)
        if unit.text:
            seg.parts.append(unit.text)
            seg.chars = len(unit.text)
        segments.append(seg)

    turns: list[ParsedTurn] = []
    for seg in segments:
        text = finish_text(" ".join(seg.parts))
        if not text:
            continue
        if turns and seg.speaker and turns[-1].speaker == seg.speaker:
            # A labelled cue with no text between two runs of one speaker.
            turns[-1].text = f"{turns[-1].text} {text}"
            turns[-1].end_ms = max(turns[-1].end_ms or 0, seg.end_ms)
            continue
        turns.append(ParsedTurn(finish_text(seg.speaker), text, seg.start_ms, seg.end_ms))
    return turns


def _continues(seg: _Segment, unit: _Unit) -> bool:
    """Unlabelled captions: does this cue continue the running segment?"""
    if unit.boundary or unit.start_ms - seg.end_ms >= GAP_MS:
        return False
    if seg.chars >= SEGMENT_HARD_CHARS:
        return False
    return not (seg.chars >= SEGMENT_CHARS and seg.parts and _SENTENCE_END_RE.search(seg.parts[-1]))
