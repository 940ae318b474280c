"""WebVTT captions (.vtt): Teams, Zoom, Webex, YouTube/yt-dlp, podcast hosts, ASR tools."""

from __future__ import annotations

from .base import ParsedTranscript, decode_text
from .captions import caption_turns, parse_cues


def parse_vtt(data: bytes) -> ParsedTranscript:
    cues, metadata = parse_cues(decode_text(data, "vtt"), "vtt")
    return ParsedTranscript(turns=caption_turns(cues), metadata=metadata, format="vtt")
