"""Transcript importers: every format, the speaker rules, hostile files, and the real fixtures.

Plain Python: no database and no Django settings are needed. Fixture files are built here
with the same libraries real tools use (python-docx, odfpy, plain bytes); the real-world
files in ../shared/fixtures/transcripts/ are read in place when that folder exists.
"""

from __future__ import annotations

import io
import json
import os
import re
import time
import zipfile
from pathlib import Path

import pytest

from fieldwork.importers import (
    SUPPORTED_EXTENSIONS,
    ParsedTranscript,
    ParsedTurn,
    TranscriptError,
    parse_transcript,
)

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "transcripts"


def parse_text(text: str, name: str = "interview.txt", encoding: str = "utf-8") -> ParsedTranscript:
    return parse_transcript(text.encode(encoding), name)


def speakers(result: ParsedTranscript) -> list[str]:
    return [turn.speaker for turn in result.turns]


def make_docx(paragraphs: list[str], heading: str | None = None) -> bytes:
    import docx

    document = docx.Document()
    if heading:
        document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def replace_member(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == name else source.read(info))
    return out.getvalue()


def add_member(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return out.getvalue()


def make_odt(paragraphs: list[str], tmp_path: Path) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    for text in paragraphs:
        document.text.addElement(P(text=text))
    path = tmp_path / "interview.odt"
    document.save(str(path))
    return path.read_bytes()


# --- Dispatch and plain errors -----------------------------------------------------------------


def test_supported_extensions_are_listed_with_dots() -> None:
    assert SUPPORTED_EXTENSIONS == (".txt", ".docx", ".odt", ".rtf", ".vtt", ".srt", ".otr")


def test_unknown_extension_names_the_supported_types() -> None:
    with pytest.raises(TranscriptError) as info:
        parse_transcript(b"hello", "notes.xyz")
    assert ".xyz files are not supported" in str(info.value)
    for ext in SUPPORTED_EXTENSIONS:
        assert ext in str(info.value)
    with pytest.raises(TranscriptError, match="save it as .docx"):
        parse_transcript(b"hello", "old.doc")
    with pytest.raises(TranscriptError, match="without an extension"):
        parse_transcript(b"hello", "README")


def test_extension_is_case_insensitive_and_paths_are_ignored() -> None:
    result = parse_transcript(b"Hello there.", "C:\\Users\\me\\INTERVIEW.TXT")
    assert result.format == "txt"
    assert result.turns == [ParsedTurn(speaker="", text="Hello there.")]


@pytest.mark.parametrize("ext", [e.lstrip(".") for e in SUPPORTED_EXTENSIONS])
@pytest.mark.parametrize(
    "data", [b"", b"   \r\n\t\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n", b"\xff\xfe \x00\n\x00"]
)
def test_an_empty_file_is_reported_as_empty(ext: str, data: bytes) -> None:
    with pytest.raises(TranscriptError, match=r"^This file is empty\.$"):
        parse_transcript(data, f"blank.{ext}")


@pytest.mark.parametrize("ext", ["txt", "vtt", "srt", "rtf", "otr"])
def test_a_pdf_renamed_to_a_text_format_is_rejected_plainly(ext: str) -> None:
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    with pytest.raises(TranscriptError) as info:
        parse_transcript(pdf, f"transcript.{ext}")
    assert str(info.value) == (
        f"The file's contents do not match its .{ext} extension (it looks like a PDF)."
    )


def test_a_pdf_named_docx_says_it_looks_like_a_pdf() -> None:
    with pytest.raises(TranscriptError) as info:
        parse_transcript(b"%PDF-1.4\n...", "interview.docx")
    assert str(info.value) == (
        "The file's contents do not match its .docx extension (it looks like a PDF)."
    )


def test_a_word_document_or_binary_named_txt_is_rejected() -> None:
    with pytest.raises(TranscriptError, match=r"\.txt extension \(it looks like a Word \.docx"):
        parse_transcript(make_docx(["Interviewer: hi"]), "interview.txt")
    with pytest.raises(TranscriptError, match=r"\.vtt extension \(it looks like binary data"):
        parse_transcript(bytes(range(256)) * 20, "captions.vtt")
    with pytest.raises(TranscriptError, match="audio"):
        parse_transcript(b"ID3\x04\x00\x00\x00\x00\x00#TSSE" + b"\x00" * 100, "interview.srt")


def test_an_odt_named_docx_and_a_docx_named_odt_are_told_apart(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match=r"\.docx extension \(it looks like an OpenDocument"):
        parse_transcript(make_odt(["Hello"], tmp_path), "interview.docx")
    with pytest.raises(TranscriptError, match=r"\.odt extension \(it looks like a Word \.docx"):
        parse_transcript(make_docx(["Hello"]), "interview.odt")


def test_plain_text_named_docx_or_rtf_is_rejected() -> None:
    with pytest.raises(TranscriptError, match=r"it looks like plain text"):
        parse_transcript(b"Interviewer: hello", "interview.docx")
    with pytest.raises(TranscriptError, match=r"\.rtf extension \(it looks like plain text"):
        parse_transcript(b"Interviewer: hello", "interview.rtf")


def test_a_truncated_docx_is_reported_as_damaged() -> None:
    data = make_docx([f"Interviewer: question {i}" for i in range(50)])
    with pytest.raises(TranscriptError) as info:
        parse_transcript(data[: len(data) // 2], "interview.docx")
    assert str(info.value) == "This .docx file is damaged or is not really a Word document."


def test_a_zip_without_a_word_document_is_not_a_docx() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(TranscriptError, match="not really a Word document"):
        parse_transcript(out.getvalue(), "interview.docx")


def test_a_truncated_odt_is_reported_as_damaged(tmp_path: Path) -> None:
    data = make_odt([f"Paragraph {i}" for i in range(50)], tmp_path)
    with pytest.raises(TranscriptError, match="This .odt file is damaged"):
        parse_transcript(data[: len(data) - 200], "interview.odt")


def test_a_document_without_text_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match="No transcript text was found"):
        parse_transcript(make_docx([]), "blank.docx")
    with pytest.raises(TranscriptError, match="No transcript text was found"):
        parse_transcript(make_odt(["", "  "], tmp_path), "blank.odt")
    with pytest.raises(TranscriptError, match="No transcript text was found"):
        parse_text("Date: 3 May 2024\nDuration: 45:00\n")


def test_a_caption_file_without_cues_is_an_error() -> None:
    with pytest.raises(TranscriptError, match="no caption cues"):
        parse_text("WEBVTT\n\nJust some words.\n", "captions.vtt")


# --- Encodings ---------------------------------------------------------------------------------

SAMPLE = "Interviewer: “Quoted” – it costs £5, café.\nRespondent: Naïve ‘yes’.\n"


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(SAMPLE.encode("utf-8"), id="utf-8"),
        pytest.param(b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"), id="utf-8-bom"),
        pytest.param(b"\xff\xfe" + SAMPLE.encode("utf-16-le"), id="utf-16-le-bom"),
        pytest.param(b"\xfe\xff" + SAMPLE.encode("utf-16-be"), id="utf-16-be-bom"),
        pytest.param(SAMPLE.encode("utf-16-le"), id="utf-16-le-no-bom"),
        pytest.param(SAMPLE.encode("cp1252"), id="windows-1252"),
    ],
)
def test_text_encodings_decode_to_the_same_turns(encoded: bytes) -> None:
    result = parse_transcript(encoded, "interview.txt")
    assert [(t.speaker, t.text) for t in result.turns] == [
        ("Interviewer", "“Quoted” – it costs £5, café."),
        ("Respondent", "Naïve ‘yes’."),
    ]


def test_windows_1252_curly_quotes_and_pound_decode_right_in_a_short_file() -> None:
    result = parse_transcript("“Hi” £".encode("cp1252"), "short.txt")
    assert result.turns[0].text == "“Hi” £"


def test_a_utf8_file_with_stray_windows_1252_bytes_keeps_both() -> None:
    data = "Interviewer: café – “".encode() + b"\x93quoted\x94 \xa35\n"
    result = parse_transcript(data, "mixed.txt")
    assert result.turns[0].text == "café – ““quoted” £5"


def test_crlf_and_cr_line_endings_become_lf_and_no_final_newline_is_fine() -> None:
    crlf = parse_transcript(b"Interviewer: one\r\nline two\r\n\r\nRespondent: three", "a.txt")
    cr = parse_transcript(b"Interviewer: one\rline two\r\rRespondent: three", "a.txt")
    assert crlf.turns == cr.turns
    assert crlf.turns[0].text == "one\nline two"
    assert crlf.turns[1] == ParsedTurn("Respondent", "three")


def test_output_is_nfc_normalised() -> None:
    decomposed = "Jose\u0301: cafe\u0301 con leche\nMari\u0301a: si\u0301\nJose\u0301: bien\n"
    result = parse_text(decomposed)
    assert speakers(result) == ["José", "María", "José"]
    assert result.turns[0].text == "café con leche"


def test_srt_in_utf16_le_with_bom_parses() -> None:
    srt = "1\n00:00:01,000 --> 00:00:02,500\nHello there\n\n2\n00:00:03,000 --> 00:00:04,000\nYes\n"
    result = parse_transcript(b"\xff\xfe" + srt.encode("utf-16-le"), "talk.srt")
    assert result.format == "srt"
    assert result.turns == [ParsedTurn("", "Hello there Yes", 1000, 4000)]


# --- Zip bombs, XML bombs, external entities ---------------------------------------------------

BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>"
)


def test_a_docx_with_a_billion_laughs_doctype_is_refused_without_expanding() -> None:
    data = make_docx(["Interviewer: hello"])
    original = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    body = original.split(b"?>", 1)[1].replace(b"hello", b"&lol9;")
    hostile = replace_member(data, "word/document.xml", BILLION_LAUGHS + body)
    started = time.perf_counter()
    with pytest.raises(TranscriptError, match="unsafe XML"):
        parse_transcript(hostile, "interview.docx")
    assert time.perf_counter() - started < 1


def test_an_odt_with_an_external_entity_is_refused(tmp_path: Path) -> None:
    data = make_odt(["Hello"], tmp_path)
    content = zipfile.ZipFile(io.BytesIO(data)).read("content.xml")
    xxe = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    body = content.split(b"?>", 1)[1].replace(b"Hello", b"&xxe;")
    with pytest.raises(TranscriptError, match="unsafe XML"):
        parse_transcript(replace_member(data, "content.xml", xxe + body), "interview.odt")


def test_a_docx_that_unpacks_past_the_limit_is_refused_before_extraction() -> None:
    # 2 MB of random bytes hardly compresses, so only the size limit catches it.
    data = add_member(make_docx(["Hello"]), "word/media/big.bin", os.urandom(2 * 1024 * 1024))
    with pytest.raises(TranscriptError, match="too large"):
        parse_transcript(data, "interview.docx", max_uncompressed_bytes=1024 * 1024)
    assert parse_transcript(data, "interview.docx").turns[0].text == "Hello"


def test_a_zip_bomb_member_is_refused_by_its_compression_ratio() -> None:
    base = make_docx(["Hello"])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info), compress_type=zipfile.ZIP_DEFLATED)
        target.writestr("word/bomb.bin", b"\0" * (5 * 1024 * 1024), zipfile.ZIP_DEFLATED)
    with pytest.raises(TranscriptError, match="zip bomb"):
        parse_transcript(out.getvalue(), "interview.docx")
    with pytest.raises(TranscriptError, match="(too large|zip bomb)"):
        parse_transcript(out.getvalue(), "interview.docx", max_uncompressed_bytes=1024 * 1024)


# --- Line-level speaker rules -------------------------------------------------------------------


def test_name_colon_labels_become_turns_and_runs_of_one_speaker_merge() -> None:
    result = parse_text(
        "Interviewer 1: So what is a system?\n\nInterviewer 1: It is software.\n\n"
        "Interviewee: know? Okay.\n\nInterviewer 2: Thanks.\n"
    )
    assert [(t.speaker, t.text) for t in result.turns] == [
        ("Interviewer 1", "So what is a system?\nIt is software."),
        ("Interviewee", "know? Okay."),
        ("Interviewer 2", "Thanks."),
    ]


def test_numbered_labels_with_or_without_space_and_space_before_colon() -> None:
    result = parse_text(
        "Interviewer1 : Hello.\nInterviewer 2: Hi.\nSpeaker 1: Yes.\nSpeaker 12: No.\n"
    )
    assert speakers(result) == ["Interviewer1", "Interviewer 2", "Speaker 1", "Speaker 12"]


def test_initials_with_en_dash_em_dash_or_hyphen_are_labels() -> None:
    result = parse_text("I – Hello there.\nC - Good afternoon.\nI — How are you?\nC -  Fine.\n")
    assert [(t.speaker, t.text) for t in result.turns] == [
        ("I", "Hello there."),
        ("C", "Good afternoon."),
        ("I", "How are you?"),
        ("C", "Fine."),
    ]


def test_a_time_in_brackets_before_the_name_is_the_start_time() -> None:
    result = parse_text("[00:01:23] Anna: Hello.\n[00:01:30] Ben: Hi.\n[01:02:03] Anna: Bye.\n")
    assert [(t.speaker, t.start_ms) for t in result.turns] == [
        ("Anna", 83000),
        ("Ben", 90000),
        ("Anna", 3723000),
    ]


def test_a_time_in_parentheses_after_the_name_is_the_start_time() -> None:
    result = parse_text("Anna (00:01:23): Hello.\nBen (1:30): Hi.\n")
    assert [(t.speaker, t.text, t.start_ms) for t in result.turns] == [
        ("Anna", "Hello.", 83000),
        ("Ben", "Hi.", 90000),
    ]


def test_qualcoder_bracket_ids_keep_their_brackets() -> None:
    result = parse_text(
        "[id1] hello, I like it.\n\n[id2] I struggle.\n\n[id1] yes, I agree.\n\n[id2] Hmm.\n"
    )
    assert [(t.speaker, t.text) for t in result.turns] == [
        ("[id1]", "hello, I like it."),
        ("[id2]", "I struggle."),
        ("[id1]", "yes, I agree."),
        ("[id2]", "Hmm."),
    ]


def test_bracketed_annotations_are_not_speaker_ids() -> None:
    result = parse_text("[laughter] okay then.\n\n[inaudible] so we went.\n\n[laughter] right.\n")
    assert speakers(result) == ["", "", ""]


def test_otter_label_line_with_time_then_text_and_the_footer_is_dropped() -> None:
    result = parse_text(
        "A5  0:17  \n[Unrelated conversation]\n\nA1  1:10  \nUm, all right.\n\n"
        "[A1 and P10 discuss the setup]\n\n So, a question?\n\nP10  4:28  \nI'm involved.\n\n"
        "P10  4:40  \nStill me.\n\nTranscribed by https://otter.ai"
    )
    assert [(t.speaker, t.start_ms) for t in result.turns] == [
        ("A5", 17000),
        ("A1", 70000),
        ("P10", 268000),
    ]
    assert result.turns[1].text == "Um, all right.\n[A1 and P10 discuss the setup]\nSo, a question?"
    assert result.turns[2].text == "I'm involved.\nStill me."
    assert all("otter.ai" not in t.text for t in result.turns)


def test_zoom_saved_captions_name_and_clock_line_then_text() -> None:
    result = parse_text("[Jane Doe] 19:00:25\nHello all.\n[John Roe] 19:00:31\nHi Jane.\n")
    assert [(t.speaker, t.text, t.start_ms) for t in result.turns] == [
        ("Jane Doe", "Hello all.", 68425000),
        ("John Roe", "Hi Jane.", 68431000),
    ]


def test_a_label_alone_on_its_line_takes_the_following_text() -> None:
    result = parse_text("Interviewer:\nHow did it start?\n\nParticipant 3:\nSlowly.\nThen fast.\n")
    assert [(t.speaker, t.text) for t in result.turns] == [
        ("Interviewer", "How did it start?"),
        ("Participant 3", "Slowly.\nThen fast."),
    ]


def test_a_trailing_time_in_parentheses_is_the_start_time_and_is_removed() -> None:
    result = parse_text(
        "Speaker 1: Yeah two, three. (00:00)\nSpeaker 2: Well okay. (00:01)\n"
        "Speaker 1: Long answer without a time\nSpeaker 2: Later. (01:02:03)\n"
    )
    assert [(t.text, t.start_ms) for t in result.turns] == [
        ("Yeah two, three.", 0),
        ("Well okay.", 1000),
        ("Long answer without a time", None),
        ("Later.", 3723000),
    ]


def test_a_trailing_time_on_a_continuation_paragraph_stays_in_the_text() -> None:
    result = parse_text("Speaker 1: Hello. (00:05)\n\nMore from me. (00:09)\n\nSpeaker 2: Hi.\n")
    assert result.turns[0] == ParsedTurn("Speaker 1", "Hello.\nMore from me. (00:09)", 5000)


def test_a_time_mark_inside_a_sentence_stays_in_the_text() -> None:
    result = parse_text(
        "Anna: We stopped at [00:19:00] and went on.\nBen: Right.\n"
        "Anna: Then [00:20:00]\nBen: Yes.\n"
    )
    assert result.turns[0].text == "We stopped at [00:19:00] and went on."
    assert result.turns[0].start_ms is None
    assert result.turns[2].text == "Then [00:20:00]"
    assert speakers(result) == ["Anna", "Ben", "Anna", "Ben"]


def test_header_lines_at_the_top_are_metadata_not_turns() -> None:
    result = parse_text(
        "Title: Focus group 2\nDate: 3 May 2024\nDuration: 00:45:12\nLocation: Leeds\n"
        "Participants: A, B\n\nInterviewer: Welcome.\nRespondent: Thanks.\n"
        "Date: this line is speech now, not metadata\n"
    )
    assert result.metadata == {
        "Title": "Focus group 2",
        "Date": "3 May 2024",
        "Duration": "00:45:12",
        "Location": "Leeds",
        "Participants": "A, B",
    }
    assert speakers(result) == ["Interviewer", "Respondent"]
    assert result.turns[1].text == "Thanks.\nDate: this line is speech now, not metadata"


def test_a_legend_line_and_a_title_are_not_turns() -> None:
    result = parse_text(
        "Interview with the Client\n\n[I] – Interviewer \t[C] - Client\n\n"
        "I – Hello.\n\nC – Hi.\n\nI - Bye.\n"
    )
    assert [(t.speaker, t.text) for t in result.turns] == [
        ("I", "Hello."),
        ("C", "Hi."),
        ("I", "Bye."),
    ]
    assert result.metadata == {
        "Title": "Interview with the Client",
        "Speakers": "[I] – Interviewer; [C] - Client",
    }


def test_prose_with_colons_and_dashes_does_not_invent_speakers() -> None:
    result = parse_text(
        "Note that: the recorder failed twice.\n\n"
        "My answer: it depends on the weather.\n\n"
        "Well - I think so - maybe.\n\n"
        "The plan was simple: walk, then rest.\n\n"
        "Important: bring water.\n"
    )
    assert speakers(result) == ["", "", "", "", ""]
    assert result.turns[0].text == "Note that: the recorder failed twice."


def test_a_one_off_capitalised_word_before_a_colon_is_not_a_speaker() -> None:
    result = parse_text("Yesterday we met.\n\nBreakfast: eggs and toast.\n\nThen we left.\n")
    assert speakers(result) == ["", "", ""]


def test_a_speaker_who_speaks_once_counts_once_labels_are_established() -> None:
    result = parse_text(
        "Maria: Hello.\nJohn: Hi.\nMaria: How are you?\nJohn: Fine.\nDr. Okafor: Sorry I'm late.\n"
    )
    assert speakers(result)[-1] == "Dr. Okafor"


def test_without_labels_each_paragraph_is_a_turn_with_no_speaker() -> None:
    result = parse_text(
        "Why do you skate?\n\nMostly for transport.\nIt is quick.\n\nDo you mind the signs?\n"
    )
    assert [(t.speaker, t.text) for t in result.turns] == [
        ("", "Why do you skate?"),
        ("", "Mostly for transport.\nIt is quick."),
        ("", "Do you mind the signs?"),
    ]


def test_without_blank_lines_each_line_is_a_paragraph() -> None:
    result = parse_text("first line of speech\nsecond line\nthird line")
    assert [t.text for t in result.turns] == ["first line of speech", "second line", "third line"]


def test_a_leading_time_mark_on_an_unlabelled_paragraph_is_its_start() -> None:
    result = parse_text("[00:00:05] We begin.\n\n[00:01:00] Then more.\n")
    assert [(t.speaker, t.text, t.start_ms) for t in result.turns] == [
        ("", "We begin.", 5000),
        ("", "Then more.", 60000),
    ]


def test_unlabelled_text_before_the_first_label_is_kept_without_a_speaker() -> None:
    result = parse_text(
        "The recording starts mid-sentence, as you can hear.\n\n"
        "Interviewer: So, tell me.\nRespondent: Well.\n"
    )
    assert speakers(result) == ["", "Interviewer", "Respondent"]


# --- Document formats ---------------------------------------------------------------------------


def test_docx_paragraph_labels_soft_breaks_and_heading_title() -> None:
    import docx

    document = docx.Document()
    document.add_heading("Interview 7", level=1)
    document.add_paragraph("Interviewer: First question?")
    paragraph = document.add_paragraph("Respondent: First line")
    paragraph.add_run().add_break()
    paragraph.add_run("second line")
    document.add_paragraph("")
    document.add_paragraph("Respondent: More. (02:05)")
    document.add_paragraph("Interviewer: Thanks.")
    buffer = io.BytesIO()
    document.save(buffer)
    result = parse_transcript(buffer.getvalue(), "interview.docx")
    assert result.format == "docx"
    assert result.metadata == {"Title": "Interview 7"}
    assert [(t.speaker, t.text, t.start_ms) for t in result.turns] == [
        ("Interviewer", "First question?", None),
        ("Respondent", "First line\nsecond line\nMore.", None),
        ("Interviewer", "Thanks.", None),
    ]


def test_docx_without_labels_gives_one_turn_per_paragraph() -> None:
    result = parse_transcript(make_docx(["Why?", "", "Because.", "Okay"]), "qa.docx")
    assert [(t.speaker, t.text) for t in result.turns] == [
        ("", "Why?"),
        ("", "Because."),
        ("", "Okay"),
    ]


def test_docx_table_of_time_speaker_text_reads_as_turns() -> None:
    import docx

    document = docx.Document()
    table = document.add_table(rows=0, cols=3)
    for row in [
        ("Time", "Speaker", "Text"),
        ("00:00:01", "Anna", "Hello."),
        ("00:00:04", "Ben", "Hi Anna."),
        ("00:00:09", "Anna", "Shall we start?"),
    ]:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    result = parse_transcript(buffer.getvalue(), "table.docx")
    assert [(t.speaker, t.text, t.start_ms) for t in result.turns] == [
        ("Anna", "Hello.", 1000),
        ("Ben", "Hi Anna.", 4000),
        ("Anna", "Shall we start?", 9000),
    ]


def test_odt_paragraphs_spaces_and_line_breaks(tmp_path: Path) -> None:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, LineBreak, P, S, Span

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Skate interview"))
    first = P(text="Interviewer: Why do")
    first.addElement(S(c=2))
    first.addText("you skate?")
    document.text.addElement(first)
    second = P(text="Skater: Mostly for ")
    second.addElement(Span(text="transport"))
    second.addText(".")
    second.addElement(LineBreak())
    second.addText("And fun.")
    document.text.addElement(second)
    document.text.addElement(P(text="Interviewer: Thanks."))
    document.text.addElement(P(text="Skater: Bye."))
    path = tmp_path / "skate.odt"
    document.save(str(path))
    result = parse_transcript(path.read_bytes(), "skate.odt")
    assert result.format == "odt"
    assert result.metadata == {"Title": "Skate interview"}
    assert [(t.speaker, t.text) for t in result.turns] == [
        ("Interviewer", "Why do  you skate?"),
        ("Skater", "Mostly for transport.\nAnd fun."),
        ("Interviewer", "Thanks."),
        ("Skater", "Bye."),
    ]


def test_odt_alternating_questions_and_answers_get_no_invented_speakers(tmp_path: Path) -> None:
    paragraphs = [f"Question {i}?" if i % 2 == 0 else f"Answer {i}." for i in range(18)]
    result = parse_transcript(make_odt(paragraphs, tmp_path), "qa.odt")
    assert len(result.turns) == 18
    assert set(speakers(result)) == {""}


TEXTEDIT_RTF = (
    rb"{\rtf1\ansi\ansicpg1252\cocoartf2822" + b"\n"
    rb"\cocoatextscaling0\cocoaplatform0{\fonttbl\f0\fswiss\fcharset0 Helvetica;}" + b"\n"
    rb"{\colortbl;\red255\green255\blue255;}" + b"\n"
    rb"\pard\tx720\tx1440\pardirnatural\partightenfactor0" + b"\n\n"
    rb"\f0\fs24 \cf0 Interviewer: \'93Hello\'94 \'96 it cost \'a35.\ " + b"\n"
    rb"Respondent: Caf\'e9, na\u239?ve.\ " + b"\n"
    rb"Respondent: Second line.}"
)


def test_rtf_from_textedit_with_backslash_line_breaks_and_cp1252_escapes() -> None:
    result = parse_transcript(TEXTEDIT_RTF.replace(rb"\ " + b"\n", b"\\\n"), "interview.rtf")
    assert result.format == "rtf"
    assert [(t.speaker, t.text) for t in result.turns] == [
        ("Interviewer", "“Hello” – it cost £5."),
        ("Respondent", "Café, naïve.\nSecond line."),
    ]


def test_rtf_without_labels_gives_one_turn_per_line() -> None:
    rtf = b"{\\rtf1\\ansi\\ansicpg1252 \\f0 first bit of talk.\\\nsecond bit.\\par third.}"
    result = parse_transcript(rtf, "asr.rtf")
    assert [(t.speaker, t.text) for t in result.turns] == [
        ("", "first bit of talk."),
        ("", "second bit."),
        ("", "third."),
    ]


def test_otr_html_paragraphs_labels_and_timestamps() -> None:
    html = (
        '<p><span class="timestamp" data-timestamp="83.2">01:23</span> Jane: Hello there.</p>'
        '<p><span class="timestamp" data-timestamp="90">01:30</span> Interviewer: And you?'
        "<br>Another line</p>"
        "<p>Jane: It was at <span class='timestamp' data-timestamp='95'>01:35</span> exactly"
        " &amp; then.</p>"
    )
    data = json.dumps({"text": html, "media": "interview.mp3", "media-time": "97.5"}).encode()
    result = parse_transcript(data, "interview.otr")
    assert result.format == "otr"
    assert result.metadata == {"Media": "interview.mp3", "Media time": "97.5"}
    assert [(t.speaker, t.text, t.start_ms) for t in result.turns] == [
        ("Jane", "Hello there.", 83200),
        ("Interviewer", "And you?\nAnother line", 90000),
        ("Jane", "It was at 01:35 exactly & then.", None),
    ]


def test_otr_without_labels_uses_timestamps_per_line() -> None:
    html = (
        '<span class="timestamp" data-timestamp="1.5">00:01</span> first<br>'
        '<span class="timestamp" data-timestamp="4">00:04</span> second'
    )
    result = parse_transcript(json.dumps({"text": html}).encode(), "x.otr")
    assert result.turns == [ParsedTurn("", "first", 1500), ParsedTurn("", "second", 4000)]


def test_otr_that_is_not_json_is_an_error() -> None:
    with pytest.raises(TranscriptError, match="not really an oTranscribe file"):
        parse_transcript(b"<p>hello</p>", "x.otr")


# --- Captions -----------------------------------------------------------------------------------


def test_teams_vtt_voice_tags_become_speakers_with_unpadded_times() -> None:
    vtt = (
        "WEBVTT\n\n0:0:0.0 --> 0:0:0.570\n<v Yuri Bakulin>There you go.</v>\n\n"
        "0:0:0.210 --> 0:0:1.130\n<v Adrian Petrescu>Why hello there, Yuri.</v>\n\n"
        "0:0:1.200 --> 0:0:2.5\n<v Adrian Petrescu>How are you?</v>\n"
    )
    result = parse_text(vtt, "meeting.vtt")
    assert result.turns == [
        ParsedTurn("Yuri Bakulin", "There you go.", 0, 570),
        ParsedTurn("Adrian Petrescu", "Why hello there, Yuri. How are you?", 210, 2500),
    ]


def test_teams_cue_with_two_voices_is_split() -> None:
    vtt = "WEBVTT\n\n00:01.000 --> 00:03.000\n<v.loud Ann>Hi.</v>\n<v Bob>Hello.</v>\n"
    assert speakers(parse_text(vtt, "m.vtt")) == ["Ann", "Bob"]


def test_zoom_vtt_names_inside_the_cue_text() -> None:
    vtt = (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nJane Doe: Hello everyone.\n\n"
        "2\n00:00:03.500 --> 00:00:05.000\nJohn Roe: Hi Jane.\n\n"
        "3\n00:00:05.100 --> 00:00:07.000\nJane Doe: Let's begin.\n"
    )
    result = parse_text(vtt, "zoom.vtt")
    assert [(t.speaker, t.text, t.start_ms, t.end_ms) for t in result.turns] == [
        ("Jane Doe", "Hello everyone.", 1000, 3000),
        ("John Roe", "Hi Jane.", 3500, 5000),
        ("Jane Doe", "Let's begin.", 5100, 7000),
    ]


def test_webex_and_name_cue_identifiers_carry_the_speaker() -> None:
    webex = (
        'WEBVTT\n\n1 "Jane Doe" (123456)\n00:00:01.000 --> 00:00:02.000\nHello.\n\n'
        '2 "John Roe" (654321)\n00:00:02.500 --> 00:00:03.000\nHi.\n'
    )
    assert speakers(parse_text(webex, "webex.vtt")) == ["Jane Doe", "John Roe"]
    repeated = webex.replace("Hello.", "Jane Doe: Hello.")
    assert parse_text(repeated, "webex.vtt").turns[0] == ParsedTurn(
        "Jane Doe", "Hello.", 1000, 2000
    )
    named = (
        "WEBVTT\n\nJane Doe\n00:00:01.000 --> 00:00:02.000\nHello.\n\n"
        "John Roe\n00:00:02.500 --> 00:00:03.000\nHi.\n"
    )
    assert speakers(parse_text(named, "named.vtt")) == ["Jane Doe", "John Roe"]


def test_a_label_on_the_first_cue_of_a_turn_holds_for_the_following_cues() -> None:
    vtt = (
        "\ufeffWEBVTT\n\n00:00:00.179 --> 00:00:02.399\nTravis: When you first get\n"
        "started in podcasting, it's\n\n00:00:02.400 --> 00:00:04.799\nalmost guaranteed.\n\n"
        "00:00:05.000 --> 00:00:06.000\nSarah: Creating good audio\n\n"
        "00:00:06.000 --> 00:00:08.000\nis key .\n\n00:00:08.100 --> 00:00:09.000\nTravis: Yes.\n"
    )
    result = parse_text(vtt, "podcast.vtt")
    assert [(t.speaker, t.text, t.start_ms, t.end_ms) for t in result.turns] == [
        ("Travis", "When you first get started in podcasting, it's almost guaranteed.", 179, 4799),
        ("Sarah", "Creating good audio is key .", 5000, 8000),
        ("Travis", "Yes.", 8100, 9000),
    ]


def test_otter_srt_labels_only_on_a_change_of_speaker() -> None:
    srt = (
        "1\n00:01:46,260 --> 00:01:47,040\nWangchuk: Hello.\n\n"
        "2\n00:01:49,140 --> 00:01:51,120\nstill him\n\n"
        "3\n00:02:00,000 --> 00:02:01,000\nClare: Hi.\n\n"
        "4\n00:02:10,000 --> 00:02:11,000\nUnknown: Who?\n"
    )
    result = parse_text(srt, "otter.srt")
    assert [(t.speaker, t.text) for t in result.turns] == [
        ("Wangchuk", "Hello. still him"),
        ("Clare", "Hi."),
        ("Unknown", "Who?"),
    ]


def test_vtt_without_header_and_with_srt_style_ids_still_parses() -> None:
    vtt = (
        "1\n00:00:11.052 --> 00:00:12.052\n- Ik. Yeah.\n\n"
        "2\n00:00:12.500 --> 00:00:13.052\n- Hmm.\n\n"
        "3\n00:00:21.052 --> 00:00:22.052\n- Open your,\n"
    )
    result = parse_text(vtt, "asr.vtt")
    assert result.format == "vtt"
    assert result.turns == [
        ParsedTurn("", "Ik. Yeah. Hmm.", 11052, 13052),
        ParsedTurn("", "Open your,", 21052, 22052),
    ]


def test_dialogue_dashes_carry_no_speaker_and_are_stripped() -> None:
    srt = "1\n00:00:01,000 --> 00:00:02,000\n- Are you coming?\n- Yes.\n"
    assert parse_text(srt, "film.srt").turns == [ParsedTurn("", "Are you coming? Yes.", 1000, 2000)]


def test_youtube_rolling_captions_are_not_duplicated() -> None:
    vtt = (
        "WEBVTT\nKind: captions\nLanguage: en\n\n"
        "00:00:07.440 --> 00:00:10.390 align:start position:0%\n\n"
        "Hey<00:00:07.680><c> everyone,</c><00:00:08.639><c> today's</c>\n\n"
        "00:00:10.390 --> 00:00:10.400 align:start position:0%\nHey everyone, today's\n \n\n"
        "00:00:10.400 --> 00:00:13.350 align:start position:0%\nHey everyone, today's\n"
        "Alex,<00:00:10.960><c> the</c><00:00:11.280><c> CEO.</c>\n\n"
        "00:00:13.350 --> 00:00:13.360 align:start position:0%\nAlex, the CEO.\n \n\n"
        "00:00:13.360 --> 00:00:15.509 align:start position:0%\nAlex, the CEO.\n"
        "&gt;&gt; Thank<00:00:13.760><c> you.</c>\n\n"
        "00:00:15.509 --> 00:00:15.519 align:start position:0%\n&gt;&gt; Thank you.\n \n\n"
        "00:00:15.519 --> 00:00:16.000 align:start position:0%\n \n\n"
    )
    result = parse_text(vtt, "yt.vtt")
    assert result.metadata == {"Kind": "captions", "Language": "en"}
    assert result.turns == [
        ParsedTurn("", "Hey everyone, today's Alex, the CEO.", 7440, 13350),
        ParsedTurn("", "Thank you.", 13360, 15509),
    ]


def test_unlabelled_captions_are_grouped_by_pauses_and_length() -> None:
    cues = []
    t = 0
    for i in range(60):
        cues.append(f"{i + 1}\n{_srt_time(t)} --> {_srt_time(t + 1900)}\nSentence number {i} here.")
        t += 2000 if i != 9 else 5000  # one long pause after the tenth cue
    result = parse_text("\n\n".join(cues) + "\n", "talk.srt")
    assert set(speakers(result)) == {""}
    assert result.turns[0].text.startswith("Sentence number 0 here.")
    assert result.turns[0].text.endswith("Sentence number 9 here.")
    assert all(len(turn.text) <= 1100 for turn in result.turns)
    assert len(result.turns) >= 3
    joined = " ".join(turn.text for turn in result.turns)
    assert joined == " ".join(f"Sentence number {i} here." for i in range(60))


def _srt_time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d},{millis:03d}"


def test_inline_tags_cue_settings_notes_and_entities_are_stripped() -> None:
    vtt = (
        "WEBVTT - Lecture\n\nNOTE made by hand\n\nSTYLE\n::cue { color: red }\n\n"
        "intro\n00:01.000 --> 00:02.000 line:0 position:20%\n<i>Rock</i> &amp; <b>roll</b>\n\n"
        "NOTE a comment between cues\n\n00:02.000 --> 00:03.000\n{\\an8}<c.yellow>Yes</c>\n"
    )
    result = parse_text(vtt, "lecture.vtt")
    assert result.turns == [ParsedTurn("", "Rock & roll Yes", 1000, 3000)]


def test_captions_saved_as_txt_are_read_as_captions() -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nAnna: Hello.\n\n"
        "2\n00:00:02,100 --> 00:00:03,000\nBen: Hi.\n"
    )
    result = parse_text(srt, "captions.txt")
    assert result.format == "srt"
    assert speakers(result) == ["Anna", "Ben"]


# --- Speed ------------------------------------------------------------------------------------


def test_a_long_docx_interview_parses_quickly() -> None:
    words = ("so we talked about the harvest and the rain that year " * 7).split()[:67]
    labels = ["Interviewer", "Participant 3"]
    paragraphs = [
        f"{labels[i % 2]}: {' '.join(words)} ({i // 60:02d}:{i % 60:02d})" for i in range(300)
    ]
    data = make_docx(paragraphs)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        result = parse_transcript(data, "long.docx")
        timings.append(time.perf_counter() - started)
    assert len(result.turns) == 300
    assert sum(len(t.text.split()) for t in result.turns) == 300 * 67
    assert min(timings) < 0.1


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("tags.vtt", b"WEBVTT\n\n00:01.000 --> 00:02.000\n" + b"<a" * 200_000 + b"\n"),
        ("voices.vtt", b"WEBVTT\n\n00:01.000 --> 00:02.000\nx" + b"<v " * 100_000 + b"\n"),
        ("spaces.txt", b"Anna:" + b" " * 300_000 + b"x (00:01)\n"),
        ("labels.txt", (b"Abc " * 20_000) + b": x\n" + b"a - " * 100_000 + b"\n"),
        ("brackets.txt", b"x" + b"[" * 200_000 + b"\n"),
    ],
)
def test_hostile_long_lines_parse_in_linear_time(name: str, data: bytes) -> None:
    started = time.perf_counter()
    parse_transcript(data, name)
    assert time.perf_counter() - started < 2


# --- Real files written by real tools ----------------------------------------------------------

# (file, turns, speakers, timestamps expected). Numbers follow MANIFEST.md except where noted.
REAL_FILES = [
    ("vtt_teams_nonstandard_timestamps.vtt", 2, {"Yuri Bakulin", "Adrian Petrescu"}, True),
    ("vtt_youtube_autocaptions_rolling.vtt", None, {""}, True),
    ("vtt_buzzsprout_podcast_bom.vtt", 10, {"Travis", "Sarah", "Gilon"}, True),
    ("vtt_asr_no_header_dash_turns.vtt", None, {""}, True),
    (
        "srt_otter_speaker_on_change.srt",
        225,
        {"Wangchuk", "Clare", "Jamyang", "Ives", "Wanchen", "Unknown"},
        True,
    ),
    ("srt_talk_utf16le_bom.srt", None, {""}, True),
    (
        "txt_research_interview_interviewer_interviewee.txt",
        97,
        {"Interviewer 1", "Interviewer 2", "Interviewee"},
        False,
    ),
    # MANIFEST.md says 55 turns by {A1, A5, P10}: it counted only the `A1  1:10` style label
    # lines. The file also has nine blocks headed `Speaker 1  11:36` / `Speaker 3  20:19`
    # (Otter's unassigned speakers) in exactly the same layout; reading them as labels gives
    # 67 blocks and 66 turns. Ignoring them would put their words in the previous speaker's turn.
    (
        "txt_otter_speaker_time_line.txt",
        66,
        {"A1", "A5", "P10", "Speaker 1", "Speaker 3"},
        True,
    ),
    ("txt_qualcoder_bracket_ids.txt", 7, {"[id1]", "[id2]", "[id3]"}, False),
    ("docx_asr_speaker_n_trailing_timestamp.docx", 31, {"Speaker 1", "Speaker 2"}, True),
    ("docx_interview_initials_dash.docx", 42, {"I", "C"}, False),
    ("odt_interview_alternating_qa.odt", 18, {""}, False),
    ("rtf_textedit_asr_no_speakers.rtf", None, {""}, False),
]

needs_fixtures = pytest.mark.skipif(
    not FIXTURES.is_dir(), reason=f"real transcript fixtures not found at {FIXTURES}"
)


@needs_fixtures
@pytest.mark.parametrize(
    ("name", "turns", "labels", "timed"), REAL_FILES, ids=[row[0] for row in REAL_FILES]
)
def test_real_transcripts_give_the_expected_turns_and_speakers(
    name: str, turns: int | None, labels: set[str], timed: bool
) -> None:
    result = parse_transcript((FIXTURES / name).read_bytes(), name)
    assert result.format == name.rsplit(".", 1)[1]
    if turns is not None:
        assert len(result.turns) == turns
    assert {t.speaker for t in result.turns} == labels
    assert all(t.text and t.text == t.text.strip() for t in result.turns)
    assert all("\r" not in t.text for t in result.turns)
    if timed:
        assert all(t.start_ms is not None for t in result.turns)
    else:
        assert all(t.start_ms is None for t in result.turns)


@needs_fixtures
def test_real_youtube_rolling_captions_are_not_duplicated() -> None:
    path = FIXTURES / "vtt_youtube_autocaptions_rolling.vtt"
    raw = path.read_text(encoding="utf-8")
    naive = [
        re.sub(r"<[^>]+>", "", line).strip()
        for line in raw.split("\n")
        if line.strip() and "-->" not in line and not line.startswith(("WEBVTT", "Kind:", "Lang"))
    ]
    result = parse_transcript(path.read_bytes(), path.name)
    text = " ".join(t.text for t in result.turns)
    assert len(text) < 0.5 * len(" ".join(naive))
    assert result.metadata == {"Kind": "captions", "Language": "en"}
    assert text.startswith("Hey everyone, today's DeFi drop features Alex, the CEO and founder")
    sentences = [s.strip() for s in re.split(r"(?<=[.?!])\s+", text) if len(s.strip()) > 20]
    repeats = [a for a, b in zip(sentences, sentences[1:], strict=False) if a == b]
    assert repeats == []
    assert "<c>" not in text and "&gt;" not in text and "align:start" not in text


@needs_fixtures
def test_real_docx_trailing_times_and_legend() -> None:
    latac = parse_transcript(
        (FIXTURES / "docx_asr_speaker_n_trailing_timestamp.docx").read_bytes(), "t.docx"
    )
    assert latac.turns[0] == ParsedTurn(
        "Speaker 1", "Yeah two, three, for local corporate partners.", 0
    )
    assert latac.turns[3].start_ms == 28000
    assert not any(re.search(r"\(\d\d:\d\d\)$", t.text) for t in latac.turns)
    initials = parse_transcript(
        (FIXTURES / "docx_interview_initials_dash.docx").read_bytes(), "i.docx"
    )
    assert initials.metadata["Title"] == "Interview with the Client"
    assert "Interviewer" not in {t.text for t in initials.turns}
    assert initials.turns[0].speaker == "I" and initials.turns[-1].speaker == "C"


@needs_fixtures
def test_real_otter_txt_keeps_annotations_and_drops_the_footer() -> None:
    result = parse_transcript((FIXTURES / "txt_otter_speaker_time_line.txt").read_bytes(), "p.txt")
    assert result.turns[0] == ParsedTurn("A5", "[Unrelated Conversation between A1 and A5]", 17000)
    assert result.turns[-1].speaker == "A1"
    assert result.turns[-1].start_ms == 28 * 60_000 + 26_000
    assert "otter.ai" not in result.turns[-1].text


def test_control_characters_never_reach_a_speaker_label_or_turn_text():
    from fieldwork.importers.base import finish_text

    assert finish_text("Hel\x01en\x0bSmith\x0c") == "Helen\nSmith"
    assert finish_text("\x7fJohn\x85 O'Neill\t") == "John O'Neill"


# --- Display names as video-call tools write them (tests/fieldwork/fixtures/speakers/) --------

SPEAKER_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "speakers"


def fixture_speakers(name: str) -> list[str]:
    result = parse_transcript((SPEAKER_FIXTURES / name).read_bytes(), name)
    return [turn.speaker for turn in result.turns if turn.speaker]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("zoom_lowercase_names.vtt", ["priya natarajan", "dee okafor"] * 4),
        ("zoom_capitals_names.vtt", ["JOHN O'NEILL", "MARIA SANTOS"] * 4),
        (
            "meet_initials_after_name.txt",
            ["Ana P C", "sam K", "Ana P C", "sam K", "Ana P C", "Maria Santos", "sam K"]
            + ["Ana P C", "sam K", "Ana P C"],
        ),
        ("zoom_organisation_account.vtt", ["Riverside Youth Trust", "Dee Okafor"] * 3),
    ],
)
def test_display_names_in_any_case_on_every_cue_are_speakers(name, expected):
    assert fixture_speakers(name) == expected


def test_a_lower_case_name_joins_the_following_text_without_its_label():
    result = parse_transcript(
        (SPEAKER_FIXTURES / "zoom_lowercase_names.vtt").read_bytes(), "zoom.vtt"
    )
    first = result.turns[0]
    assert first.text.startswith("Okay, I think it's recording now.")
    assert "priya natarajan:" not in " ".join(turn.text for turn in result.turns)


def test_field_notes_with_lower_case_clauses_before_colons_have_no_speakers():
    assert fixture_speakers("field_notes_with_colons.txt") == []


def test_a_glossary_of_lower_case_terms_is_not_a_column_of_speakers():
    text = "\n".join(
        [
            "referral: a request for help sent to the front door",
            "allocation: when a referral is given to one worker",
            "threshold: the level of need at which the team acts",
            "strategy meeting: a meeting of agencies after a concern",
            "core group: the people who carry out a child's plan",
        ]
    )
    assert set(speakers(parse_text(text))) == {""}


def test_a_few_lower_case_clauses_in_a_labelled_interview_stay_text():
    text = "\n\n".join(
        [
            "Interviewer: How do referrals reach you?",
            "Helen: the honest answer: by email, mostly.",
            "Interviewer: And then?",
            "Helen: then the duty worker reads them. the problem: nobody owns them.",
        ]
    )
    assert speakers(parse_text(text)) == ["Interviewer", "Helen"] * 2


def test_meets_time_marks_start_the_next_turn_instead_of_joining_the_words():
    result = parse_transcript(
        (SPEAKER_FIXTURES / "meet_initials_after_name.txt").read_bytes(), "meet.txt"
    )
    labelled = [turn for turn in result.turns if turn.speaker]
    assert labelled[0].start_ms == 0
    assert labelled[7].text.startswith("That would help.") and labelled[7].start_ms == 300_000
    assert not any("00:0" in turn.text for turn in result.turns)
