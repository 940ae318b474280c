"""Small builders for fieldwork tests: transcript files made in memory."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile


def txt_transcript(turns: list[tuple[str, str]]) -> bytes:
    return "\n\n".join(f"{speaker}: {text}" for speaker, text in turns).encode()


def docx_transcript(turns: list[tuple[str, str]]) -> bytes:
    import docx

    document = docx.Document()
    for speaker, text in turns:
        document.add_paragraph(f"{speaker}: {text}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def vtt_transcript(turns: list[tuple[str, str]]) -> bytes:
    lines = ["WEBVTT", ""]
    for i, (speaker, text) in enumerate(turns):
        lines += [
            f"00:00:{i * 5:02d}.000 --> 00:00:{i * 5 + 4:02d}.000",
            f"<v {speaker}>{text}",
            "",
        ]
    return "\n".join(lines).encode()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def zip_with(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


TURNS = [
    ("Interviewer", "Can you tell me who you ring when a referral comes in?"),
    ("Helen", "Honestly it depends. Since we moved in with the health visitors I just walk over."),
    ("Interviewer", "And before the co-location?"),
    ("Helen", "Before, Margaret at Oakfield school would phone me, and I'd chase social care."),
]
