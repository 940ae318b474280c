"""Transcript importers: bytes of an uploaded file in, speaker turns out.

Pure Python (no Django, no database). Call `parse_transcript(data, filename)`; it dispatches
on the file extension, checks that the contents match it, and raises `TranscriptError` with a
message a researcher can act on when the file cannot be read.

    from fieldwork.importers import parse_transcript, TranscriptError, SUPPORTED_EXTENSIONS
"""

from __future__ import annotations

from collections.abc import Callable

from .base import FORMAT_NAMES, ParsedTranscript, ParsedTurn, TranscriptError

__all__ = [
    "DEFAULT_MAX_UNCOMPRESSED_BYTES",
    "SUPPORTED_EXTENSIONS",
    "ParsedTranscript",
    "ParsedTurn",
    "TranscriptError",
    "parse_transcript",
]

# Lower-case, with the dot, in the order they are listed to users (usable in an HTML
# `accept` attribute: ",".join(SUPPORTED_EXTENSIONS)).
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(f".{ext}" for ext in FORMAT_NAMES)

DEFAULT_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024

_NOT_SUPPORTED_HINTS = {
    "doc": "Old Word .doc files cannot be read: open the file in Word and save it as .docx.",
    "pdf": "PDF files cannot be read as transcripts: export the transcript as .docx or .txt.",
    "pages": "Apple Pages files cannot be read: export the transcript as .docx or .rtf.",
}


def _extension(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if "." not in name.lstrip("."):
        return ""
    return name.rsplit(".", 1)[-1].casefold()


def _is_empty(data: bytes) -> bool:
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if data.startswith(bom):
            data = data[len(bom) :]
            break
    return not data.strip(b" \t\r\n\x00\x0b\x0c")


def parse_transcript(
    data: bytes,
    filename: str,
    *,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
) -> ParsedTranscript:
    """Parse an uploaded transcript file.

    `filename` is only used for its extension (case-insensitive). `max_uncompressed_bytes`
    caps what a .docx/.odt may unpack to (zip-bomb guard). Raises TranscriptError.
    """
    ext = _extension(filename)
    parser = _PARSERS.get(ext)
    if parser is None:
        listed = ", ".join(SUPPORTED_EXTENSIONS)
        hint = _NOT_SUPPORTED_HINTS.get(ext, "")
        prefix = f"{hint} " if hint else ""
        kind = f".{ext} files are" if ext else "Files without an extension are"
        raise TranscriptError(f"{prefix}{kind} not supported. Upload one of: {listed}.")
    data = bytes(data)
    if _is_empty(data):
        raise TranscriptError("This file is empty.")
    result = parser(data, max_uncompressed_bytes)
    if not result.turns:
        raise TranscriptError("No transcript text was found in this file.")
    return result


def _text_parser(
    func: Callable[[bytes], ParsedTranscript],
) -> Callable[[bytes, int], ParsedTranscript]:
    def parse(data: bytes, _limit: int) -> ParsedTranscript:
        return func(data)

    return parse


def _build_parsers() -> dict[str, Callable[[bytes, int], ParsedTranscript]]:
    from .docx import parse_docx
    from .odt import parse_odt
    from .otr import parse_otr
    from .rtf import parse_rtf
    from .srt import parse_srt
    from .text import parse_txt
    from .vtt import parse_vtt

    return {
        "txt": _text_parser(parse_txt),
        "docx": parse_docx,
        "odt": parse_odt,
        "rtf": _text_parser(parse_rtf),
        "vtt": _text_parser(parse_vtt),
        "srt": _text_parser(parse_srt),
        "otr": _text_parser(parse_otr),
    }


_PARSERS = _build_parsers()
