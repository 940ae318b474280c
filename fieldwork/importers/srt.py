"""SubRip subtitles (.srt): Otter.ai, Descript, YouTube downloads; sometimes UTF-16."""

from __future__ import annotations

from .base import ParsedTranscript, decode_text
from .captions import caption_turns, parse_cues


def parse_srt(data: bytes) -> ParsedTranscript:
    cues, metadata = parse_cues(decode_text(data, "srt"), "srt")
    return ParsedTranscript(turns=caption_turns(cues), metadata=metadata, format="srt")
