"""RTF transcripts (.rtf): Word, WordPad and macOS TextEdit.

TextEdit ends every paragraph with a backslash and a newline (`\\` + LF, the RTF control
symbol for a paragraph break) instead of `\\par`; striprtf turns both into newlines. Non-ASCII
text arrives as `\\'93` escapes in the declared code page (`\\ansicpg1252`) or as `\\uN`.
"""

from __future__ import annotations

import re

from striprtf.striprtf import rtf_to_text

from .base import ParsedTranscript, TranscriptError, describe_content, mismatch_error
from .labels import Paragraph, turns_from_paragraphs

_CODEPAGE_RE = re.compile(rb"\\ansicpg(\d{3,5})")


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Raw 8-bit bytes in the body (some writers do not escape them): use the declared code page.
    match = _CODEPAGE_RE.search(data[:2000])
    encoding = f"cp{match.group(1).decode()}" if match else "cp1252"
    try:
        return data.decode(encoding, errors="replace")
    except LookupError:
        return data.decode("cp1252", errors="replace")


def parse_rtf(data: bytes) -> ParsedTranscript:
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:5] != b"{\\rtf":
        looks_like = describe_content(data)
        if looks_like is None:
            looks_like = "plain text, not RTF" if b"\x00" not in data[:4000] else "binary data"
        raise mismatch_error("rtf", looks_like)
    text = _decode(data)
    try:
        plain = rtf_to_text(text, errors="replace")
    except (ValueError, IndexError, LookupError) as exc:
        raise TranscriptError("This .rtf file is damaged and could not be read.") from exc
    plain = plain.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    # Each RTF paragraph (\par, TextEdit's `\` + newline) is a paragraph, like docx.
    paragraphs = [Paragraph([line]) for line in plain.split("\n") if line.strip()]
    turns, metadata = turns_from_paragraphs(paragraphs)
    return ParsedTranscript(turns=turns, metadata=metadata, format="rtf")
