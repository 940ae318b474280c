"""Shared pieces of the transcript importers: result types, errors, decoding and sniffing.

Nothing here imports Django: the package is plain Python so it can be tested and profiled
without a settings module or a database.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field

__all__ = [
    "FORMAT_NAMES",
    "ParsedTranscript",
    "ParsedTurn",
    "TranscriptError",
    "decode_text",
    "describe_content",
    "finish_text",
    "mismatch_error",
    "parse_clock",
]


@dataclass
class ParsedTurn:
    """One speaker turn: a maximal run of text by one speaker label."""

    speaker: str
    """The label as written, stripped; '' when the source has no label (never invented)."""
    text: str
    """NFC, LF line endings, stripped; the turn's paragraphs are joined with a single LF."""
    start_ms: int | None = None
    end_ms: int | None = None


@dataclass
class ParsedTranscript:
    turns: list[ParsedTurn]
    metadata: dict[str, str] = field(default_factory=dict)
    format: str = ""


class TranscriptError(ValueError):
    """A file cannot be imported. The message is plain English a researcher can act on."""


FORMAT_NAMES: dict[str, str] = {
    "txt": "text",
    "docx": "Word",
    "odt": "OpenDocument text",
    "rtf": "RTF",
    "vtt": "WebVTT caption",
    "srt": "SRT subtitle",
    "otr": "oTranscribe",
}


def mismatch_error(ext: str, looks_like: str) -> TranscriptError:
    return TranscriptError(
        f"The file's contents do not match its .{ext} extension (it looks like {looks_like})."
    )


# --- Sniffing --------------------------------------------------------------------------------

# Magic numbers of the files researchers most often upload by mistake. Audio and video come
# first in that list: the recording is sometimes uploaded instead of its transcript.
_MAGIC: list[tuple[bytes, int, str]] = [
    (b"%PDF-", 0, "a PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "an old-style Word .doc or other Office file"),
    (b"\x89PNG\r\n\x1a\n", 0, "a PNG image"),
    (b"\xff\xd8\xff", 0, "a JPEG image"),
    (b"GIF87a", 0, "a GIF image"),
    (b"GIF89a", 0, "a GIF image"),
    (b"ID3", 0, "an audio file (MP3)"),
    (b"OggS", 0, "an audio or video file (Ogg)"),
    (b"fLaC", 0, "an audio file (FLAC)"),
    (b"\x1a\x45\xdf\xa3", 0, "a video file (WebM/MKV)"),
    (b"ftyp", 4, "an audio or video file (MP4/M4A/MOV)"),
    (b"#!AMR", 0, "an audio file (AMR)"),
    (b"\x1f\x8b", 0, "a compressed .gz archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "a 7-Zip archive"),
    (b"Rar!", 0, "a RAR archive"),
]


def describe_content(data: bytes) -> str | None:
    """Say what a file looks like when it is not what a text format expects, else None.

    Zip archives are told apart by the members an Office document must have, so that a
    .docx renamed to .txt gets a message that names Word.
    """
    head = data[:64]
    for magic, offset, label in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return label
    if head[:4] == b"RIFF" and head[8:12] in (b"WAVE", b"AVI "):
        return "an audio file (WAV)" if head[8:12] == b"WAVE" else "a video file (AVI)"
    if head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "an audio file (MP3)"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _describe_zip(data)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:5] == b"{\\rtf":
        return "an RTF document"
    return None


def _describe_zip(data: bytes) -> str:
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "a zip archive"
    if "word/document.xml" in names:
        return "a Word .docx document"
    if "content.xml" in names:
        return "an OpenDocument .odt document"
    if "xl/workbook.xml" in names:
        return "an Excel spreadsheet"
    if "ppt/presentation.xml" in names:
        return "a PowerPoint presentation"
    return "a zip archive"


# --- Decoding --------------------------------------------------------------------------------

# Single-byte encodings that charset-normalizer confuses with each other on short Western
# text (it calls “ ” £ in cp1252 "cp1250", and two curly quotes "UTF-16"). Windows-1252 is by
# far the most common non-UTF-8 encoding of transcripts, so any of these guesses means cp1252.
_WESTERN_GUESSES = frozenset(
    {
        "ascii",
        "cp1252",
        "latin_1",
        "iso8859_15",
        "cp1250",
        "iso8859_2",
        "cp1254",
        "iso8859_9",
        "cp1257",
        "iso8859_13",
        "iso8859_4",
        "iso8859_3",
        "iso8859_10",
        "iso8859_14",
        "iso8859_16",
        "cp1258",
        "mac_roman",
        "mac_latin2",
        "mac_iceland",
        "mac_turkish",
        "cp850",
        "cp858",
        "cp437",
        "utf_16",
        "utf_16_le",
        "utf_16_be",
        "utf_32",
        "utf_32_le",
        "utf_32_be",
        "utf_7",
    }
)

_CONTROL_RE = re.compile(r"[\x01-\x08\x0e-\x1f\x7f-\x9f]")


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII-heavy text then has a NUL in every other byte."""
    sample = data[:4000]
    if len(sample) < 4:
        return None
    pairs = len(sample) // 2
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    if odd_nuls > pairs * 0.4 and even_nuls < pairs * 0.05:
        return "utf-16-le"
    if even_nuls > pairs * 0.4 and odd_nuls < pairs * 0.05:
        return "utf-16-be"
    return None


def decode_text(data: bytes, ext: str) -> str:
    """Decode a text-based transcript; return str with LF line endings and no BOM.

    Order: BOM (UTF-8, UTF-32, UTF-16), BOM-less UTF-16, strict UTF-8, then charset-normalizer
    as a fallback, with Western guesses mapped to Windows-1252 (see _WESTERN_GUESSES).
    Raises TranscriptError for binary data or a file of only whitespace.
    """
    text: str | None = None
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        text = data.decode("utf-32", errors="replace")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        looks_like = describe_content(data)
        if looks_like is not None and not (ext == "rtf" and looks_like == "an RTF document"):
            raise mismatch_error(ext, looks_like)
        utf16 = _bomless_utf16(data)
        if utf16 is not None:
            text = data.decode(utf16, errors="replace")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                if _mostly_utf8(data):
                    # A UTF-8 file with a few Windows-1252 bytes pasted in (a “ from Word).
                    text = data.decode("utf-8", errors=_CP1252_FALLBACK)
                else:
                    text = _decode_legacy(data, ext)
    text = text.lstrip("\ufeff").rstrip("\x1a")  # \x1a: DOS end-of-file marker
    if "\x00" in text or len(_CONTROL_RE.findall(text[:20000])) > max(2, len(text[:20000]) // 100):
        raise mismatch_error(ext, "binary data, not text")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    if not text.strip():
        raise TranscriptError("This file is empty.")
    return text


_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error  # registered for decoding only
    bad = error.object[error.start : error.end]
    return bytes(bad).decode("cp1252", errors="replace"), error.end


_CP1252_FALLBACK = "fieldwork-importers-cp1252"
codecs.register_error(_CP1252_FALLBACK, _cp1252_fallback)


def _mostly_utf8(data: bytes) -> bool:
    """The file has valid multi-byte UTF-8 characters, at least as many as invalid bytes."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(_NON_ASCII_RE.findall(text)) - bad
    return good >= 1 and good >= bad


def _decode_legacy(data: bytes, ext: str) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding not in _WESTERN_GUESSES:
        return str(best)
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined: replace those rather than fail the whole file.
        if best is None:
            raise mismatch_error(ext, "binary data, not text") from None
        return data.decode("cp1252", errors="replace")


# --- Output helpers --------------------------------------------------------------------------


# What `finish_text` removes: C0 controls but tab and LF (the vertical tab and form feed of a
# Word line or page break become LF first), DEL and the C1 controls. Never stored, so never in
# a speaker label or an export.
_STRIP_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def finish_text(text: str) -> str:
    """NFC, LF, no control characters, no trailing spaces on lines, stripped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n")
    text = _STRIP_CONTROL_RE.sub("", text.replace("\x0c", "\n"))
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


TIME_PATTERN = r"\d{1,2}(?::\d{1,2}){1,2}(?:[.,]\d{1,3})?"
_CLOCK_RE = re.compile(r"^(?:(\d{1,2}):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$")


def parse_clock(value: str) -> int | None:
    """'1:10' (m:ss), '28:26', '01:02:03', '00:01:23.5' -> milliseconds; None if not a time."""
    match = _CLOCK_RE.match(value.strip())
    if match is None:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if int(seconds) > 59 or (hours is not None and int(minutes) > 59):
        return None
    ms = ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000
    if fraction:
        ms += round(int(fraction) * 10 ** (3 - len(fraction)))
    return ms
