"""REFI-QDA exchange: exports validate and keep their GUIDs, consent reaches the file, imports
survive what real tools write (the shared real files), and hostile archives are refused."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from fieldwork.models import Segment, Source
from tests.factories import SiteFactory, UserFactory, make_source_with_turns
from themes.models import Coding, Theme
from themes.refi.export import SCHEMAS, codebook_export, project_export, validation_errors
from themes.refi.importer import preview, project_import
from themes.refi.reader import RefiError

from .conftest import withdraw
from .factories import CodingFactory, MemoFactory


def xmlschema_errors(xml: bytes, kind: str) -> list:
    """The official XSD read by xmlschema (pure Python): the export validates with libxml2,
    the tests check it with both."""
    import xmlschema

    name = "Project-mrt2019.xsd" if kind == "project" else "Codebook-mrt2019.xsd"
    return list(xmlschema.XMLSchema(str(SCHEMAS / name)).iter_errors(xml))


FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "refi-qda"
if not FIXTURES.exists():
    FIXTURES = Path("/work/shared/fixtures/refi-qda")
needs_fixtures = pytest.mark.skipif(not FIXTURES.exists(), reason="shared fixtures not found")


def code(coding: Coding) -> str:
    return coding.source.text[coding.start : coding.end]


def archive(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


@pytest.fixture
def coded(world, site_a):
    """The themes world, with an emoji before coded words and a memo on a coding."""
    source = world["source_a"]
    helen = world["helen"]
    emoji_source = make_source_with_turns(
        site=source.site,
        title="Field notes with an emoji",
        turns=[("Helen", "Team room 🙂 we ring first and fill the form in after.", helen)],
    )
    after_emoji = emoji_source.text.index("we ring first")
    codings = [
        CodingFactory(
            source=emoji_source,
            theme=world["rules"],
            start=after_emoji,
            end=after_emoji + len("we ring first"),
            memo="Rule-bending, said lightly.",
        ),
        CodingFactory(
            source=source,
            theme=world["colocation"],
            start=source.text.index("We sit"),
            end=source.text.index("now."),
        ),
        CodingFactory(
            source=source,
            theme=world["rules"],
            start=source.text.index("It is the child"),
            end=source.text.index("to us."),
        ),
    ]
    MemoFactory(source=source, text="Two voices on the same case.")
    return {**world, "site_a": site_a, "emoji_source": emoji_source, "codings": codings}


def test_the_project_export_validates_and_carries_every_coding_on_its_words(coded, lead):
    result = project_export(user=lead, site_codes=[coded["site_a"].code])
    zf = archive(result.data)
    qde = zf.read("project.qde")
    assert validation_errors(qde, "project") == []
    assert xmlschema_errors(qde, "project") == []  # a second, independent validator
    assert result.codings == 3
    text = {
        name.removeprefix("sources/").removesuffix(".txt"): zf.read(name).decode("utf-8")
        for name in zf.namelist()
        if name.endswith(".txt")
    }
    assert all(not t.startswith("\ufeff") for t in text.values())
    pattern = re.compile(
        r'plainTextPath="internal://([0-9a-f-]+)\.txt".*?(?=<TextSource|</Sources>)', re.S
    )
    quoted = []
    for match in pattern.finditer(qde.decode()):
        body = text[match.group(1)]
        for start, end in re.findall(r'startPosition="(\d+)" endPosition="(\d+)"', match.group(0)):
            quoted.append(body[int(start) : int(end)])
    assert sorted(quoted) == sorted(code(c) for c in coded["codings"])


def test_export_never_writes_a_path_of_this_machine(coded, lead):
    qde = archive(project_export(user=lead).data).read("project.qde").decode()
    assert "basePath" not in qde
    assert "absolute:" not in qde and "relative:" not in qde
    assert "/work/" not in qde and "/tmp/" not in qde


def test_guids_stay_the_same_from_one_export_to_the_next(coded, lead):
    first = archive(project_export(user=lead).data).read("project.qde").decode()
    second = archive(project_export(user=lead).data).read("project.qde").decode()
    guids = re.compile(r'guid="([0-9a-f-]{36})"')
    assert guids.findall(first) == guids.findall(second)
    assert len(set(guids.findall(first))) == len(guids.findall(first))


def test_a_withdrawn_participants_words_and_codings_are_left_out_and_counted(coded, lead):
    wendy_words = "I rang the school nurse"
    source = coded["source_a"]
    CodingFactory(
        source=source,
        theme=coded["rules"],
        start=source.text.index(wendy_words),
        end=source.text.index(wendy_words) + len(wendy_words),
    )
    withdraw(coded["wendy"])
    result = project_export(user=lead, site_codes=[coded["site_a"].code])
    zf = archive(result.data)
    everything = b"".join(zf.read(name) for name in zf.namelist()).decode("utf-8", "replace")
    assert wendy_words not in everything
    assert result.left_out["codings on withdrawn participants' words"] == 1
    assert "Left out for consent: 1 codings" in everything
    # The other codings still point at their words in the rewritten text.
    assert result.codings == 3


def test_a_member_exports_only_the_sites_they_may_see(coded, researcher, outsider):
    result = project_export(user=researcher)
    assert "Interview with Omar" not in archive(result.data).read("project.qde").decode()
    from themes.refi.export import ExportRefused

    with pytest.raises(ExportRefused, match="No site you can see"):
        project_export(user=outsider, site_codes=[coded["site_a"].code])


def test_the_codebook_export_validates_where_taguettes_does_not(world):
    assert validation_errors(codebook_export(), "codebook") == []
    assert xmlschema_errors(codebook_export(), "codebook") == []
    if FIXTURES.exists():
        taguette = (FIXTURES / "taguette-1.5.2_codebook_INVALID-empty-Sets.qdc").read_bytes()
        assert validation_errors(taguette, "codebook")


def test_round_trip_into_an_empty_site_lands_every_coding_on_the_same_characters(coded, lead):
    data = project_export(user=lead, site_codes=[coded["site_a"].code]).data
    empty = SiteFactory(code="empty", name="Empty site")
    report = project_import(site=empty, actor=lead, data=data, filename="round.qdpx")
    assert report.unplaced == []
    before = sorted((c.theme.name, code(c), c.memo) for c in coded["codings"])
    after = sorted(
        (c.theme.name, code(c), c.memo)
        for c in Coding.objects.filter(site=empty).select_related("source", "theme")
    )
    assert after == before
    assert "we ring first" in [q for _, q, _ in after]  # the words after the emoji
    assert Theme.objects.filter(name__startswith="Imported from").count() == 0  # merged


@needs_fixtures
def test_an_imported_project_keeps_its_guids_when_exported_again(db, lead):
    data = (FIXTURES / "qc-1.3.2_demo.qdpx").read_bytes()
    report = project_import(site=SiteFactory(code="qc"), actor=lead, data=data, filename="qc.qdpx")
    again = archive(project_export(user=lead, site_codes=["qc"]).data).read("project.qde")
    original = archive(data).read("project.qde")
    sources = re.compile(rb'<(?:\w+:)?TextSource[^>]* guid="\{?([0-9a-f-]{36})')
    assert set(sources.findall(again)) == set(sources.findall(original))
    codes = re.compile(rb'<(?:\w+:)?Code [^>]*guid="\{?([0-9a-f-]{36})')
    # Every code became a theme with its GUID, except codes whose name repeats another's in
    # the file (theme names are unique here, so those merge into the first).
    kept = set(codes.findall(original)) & set(codes.findall(again))
    assert len(kept) == report.themes_created


def test_import_into_a_folder_keeps_existing_themes_and_renames_clashes(coded, lead):
    data = project_export(user=lead, site_codes=[coded["site_a"].code]).data
    empty = SiteFactory(code="empty2")
    before = Theme.objects.count()
    result = preview(data=data, filename="x.qdpx", into_folder=True)
    assert result.folder.startswith("Imported from DWR Fieldwork")
    project_import(site=empty, actor=lead, data=data, filename="x.qdpx", into_folder=True)
    folder = Theme.objects.get(name=result.folder)
    assert not folder.codable
    assert Theme.objects.count() == before + 1 + len(result.project.codes)
    assert Theme.objects.filter(name=f"{coded['rules'].name} (imported)").exists()
    assert all(c.theme.name.endswith("(imported)") for c in Coding.objects.filter(site=empty))


def test_the_sites_pseudonyms_are_applied_to_imported_text_without_moving_codings(lead):
    site = SiteFactory(code="pseudo")
    site.replacements.create(original="Oakfield", pseudonym="Primary school A")
    text = "We rang Oakfield first. Then the nurse came."
    selection_start = text.index("Then the nurse")
    data = _qdpx(
        text,
        [(selection_start, selection_start + len("Then the nurse came"), "Then the nurse came")],
    )
    project_import(site=site, actor=lead, data=data, filename="p.qdpx")
    source = Source.objects.get(site=site)
    assert "Oakfield" not in source.text and "[Primary school A]" in source.text
    assert code(Coding.objects.get(site=site)) == "Then the nurse came"
    assert source.anonymisation_log.get().original == "Oakfield"


# --- what real tools write ---------------------------------------------------------------


@needs_fixtures
@pytest.mark.parametrize(
    ("name", "codes", "sources", "selections"),
    [
        ("atlasti-win-23.2.3_codes-only.qdpx", 3, 0, 0),
        ("qc-1.3.2_demo.qdpx", 262, 2, 158),
        ("spec-annexA2_atlasti-8.4_no-sources.qdpx", 14, 0, 0),
        ("taguette-1.5.2_codebook_INVALID-empty-Sets.qdc", 3, 0, 0),
    ],
)
def test_the_shared_real_files_import_with_their_counts(db, lead, name, codes, sources, selections):
    site = SiteFactory(code="real")
    data = (FIXTURES / name).read_bytes()
    result = preview(data=data, filename=name, into_folder=True)
    assert len(result.project.codes) == codes
    assert result.project.selections == selections
    report = project_import(site=site, actor=lead, data=data, filename=name, into_folder=True)
    assert len(report.sources) == sources
    assert report.themes_created == codes + 1  # and the folder
    assert Coding.objects.filter(site=site).count() == result.project.codings


@needs_fixtures
def test_the_spec_example_says_what_it_drops_and_why(db):
    name = "spec-annexA2_atlasti-8.4_no-sources.qdpx"
    dropped = preview(data=(FIXTURES / name).read_bytes(), filename=name, into_folder=False)
    reasons = dropped.project.dropped
    assert reasons["PDF sources (only text can be coded here)"] == 2
    assert reasons["video sources"] == 2
    assert reasons["graphs (drawn networks are not kept)"] == 1
    assert reasons["sources whose text file is missing from the archive"] == 6


def _qdpx(
    text: str,
    selections: list[tuple[int, int, str]],
    *,
    origin: str = "Test tool",
    encoded: bytes | None = None,
    guid_case=str.lower,
) -> bytes:
    code_guid = guid_case(str(uuid.uuid4()))
    file_guid = str(uuid.uuid4())
    selection_xml = "".join(
        f'<PlainTextSelection guid="{{{guid_case(str(uuid.uuid4()))}}}" name="{name}" '
        f'startPosition="{start}" endPosition="{end}"><Coding guid="{uuid.uuid4()}">'
        f'<CodeRef targetGUID="{code_guid.upper()}"/></Coding></PlainTextSelection>'
        for start, end, name in selections
    )
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="t" origin="{origin}">'
        f'<CodeBook><Codes><Code guid="{code_guid}" name="Imported code" isCodable="true"/>'
        "</Codes></CodeBook><Sources>"
        f'<TextSource guid="{uuid.uuid4()}" name="Transcript" '
        f'plainTextPath="internal://{file_guid}.txt">{selection_xml}</TextSource>'
        "</Sources></Project>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("Project.qde", qde)  # ATLAS.ti's case
        zf.writestr(f"Sources/{file_guid}.txt", encoded or text.encode("utf-8"))
    return buffer.getvalue()


def test_nvivo_offsets_in_utf16_units_with_bom_and_crlf_land_on_the_right_words(db, lead):
    text = "Line one 😀 here\r\nThe nurse 🙂 rang first.\r\nEnd."
    words = "rang first"
    start = text.index(words)
    # NVivo: UTF-16 code units (each emoji counts 2), BOM not counted, CR LF counted as 2.
    units = len(text[:start].encode("utf-16-le")) // 2
    data = _qdpx(
        text,
        [(units, units + len(words), "")],
        origin="NVivo 12.6",
        encoded=b"\xef\xbb\xbf" + text.encode("utf-8"),
        guid_case=str.upper,
    )
    site = SiteFactory(code="nvivo")
    report = project_import(site=site, actor=lead, data=data, filename="n.qdpx")
    assert report.preview.project.convention == "utf16"
    assert code(Coding.objects.get(site=site)) == words


def test_atlas_style_names_choose_the_convention_that_counts_crlf_once(db, lead):
    text = "First line\r\nSecond line\r\nThe words we want\r\nLast"
    words = "The words we want"
    start = text.replace("\r\n", "\n").index(words)
    data = _qdpx(text, [(start, start + len(words), words)], origin="ATLAS.ti 9")
    site = SiteFactory(code="atlas")
    report = project_import(site=site, actor=lead, data=data, filename="a.qdpx")
    assert report.preview.project.convention == "codepoints-lf"
    assert code(Coding.objects.get(site=site)) == words


def test_a_selection_that_does_not_fit_is_reported_not_moved(db, lead):
    data = _qdpx("Short text.", [(2, 5, ""), (5, 500, "")])
    site = SiteFactory(code="fit")
    report = project_import(site=site, actor=lead, data=data, filename="f.qdpx")
    assert len(report.unplaced) == 1 and "does not fit" in report.unplaced[0]
    assert Coding.objects.filter(site=site).count() == 1


# --- hostile and broken files ------------------------------------------------------------


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buffer.getvalue()


BOMB_XML = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    b'<Project xmlns="urn:QDA-XML:project:1.0" name="&lol2;"/>'
)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"%PDF-1.7 not a project", "not a REFI-QDA file"),
        (b"PK\x03\x04broken", "damaged"),
        (_zip({"../../etc/evil.qde": b"<Project/>"}), "outside the archive"),
        (_zip({"project.qde": BOMB_XML}), "unsafe XML"),
        (_zip({"project.qde": b"x" * (3 * 1024 * 1024)}, zipfile.ZIP_DEFLATED), "zip bomb"),
        (_zip({"sources/a.txt": b"text"}), "no project file"),
        (_zip({"project.qde": b"<Project"}), "damaged"),
        (_zip({"project.qde": b"<Other xmlns='x'/>"}), "not a REFI-QDA project"),
    ],
    ids=[
        "empty",
        "not-a-zip",
        "truncated",
        "zip-slip",
        "entities",
        "bomb",
        "no-qde",
        "bad-xml",
        "other-xml",
    ],
)
def test_hostile_or_broken_files_are_refused_with_a_plain_message_and_leave_nothing(
    db, lead, data, message
):
    site = SiteFactory(code="hostile")
    themes, sources = Theme.objects.count(), Source.objects.count()
    with pytest.raises(RefiError, match=message):
        project_import(site=site, actor=lead, data=data, filename="evil.qdpx")
    assert (Theme.objects.count(), Source.objects.count()) == (themes, sources)


def test_a_failure_half_way_leaves_nothing_behind(coded, lead, monkeypatch):
    data = project_export(user=lead, site_codes=[coded["site_a"].code]).data
    site = SiteFactory(code="halfway")
    counts = (Theme.objects.count(), Source.objects.count(), Segment.objects.count())
    from themes.refi import importer

    def broken(**kwargs):
        raise RefiError("The disk is full.")

    real = importer._land_source
    calls = []

    def second_fails(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            broken()
        return real(**kwargs)

    monkeypatch.setattr(importer, "_land_source", second_fails)
    with pytest.raises(RefiError):
        project_import(site=site, actor=lead, data=data, filename="x.qdpx", into_folder=True)
    assert (Theme.objects.count(), Source.objects.count(), Segment.objects.count()) == counts


# --- commands ----------------------------------------------------------------------------


def test_export_commands_write_valid_files(coded, tmp_path):
    out = tmp_path / "p.qdpx"
    call_command("export_qdpx", "--out", str(out), "--site", coded["site_a"].code)
    assert validation_errors(archive(out.read_bytes()).read("project.qde"), "project") == []
    qdc = tmp_path / "c.qdc"
    call_command("export_qdc", "--out", str(qdc))
    assert validation_errors(qdc.read_bytes(), "codebook") == []


def test_import_command_reports_json_and_refuses_bad_input_plainly(coded, tmp_path, capsys):
    out = tmp_path / "p.qdpx"
    call_command("export_qdpx", "--out", str(out), "--site", coded["site_a"].code)
    target = SiteFactory(code="cmd")
    buffer = io.StringIO()
    call_command("import_qdpx", str(out), "--site", "cmd", "--json", stdout=buffer)
    outcome = json.loads(buffer.getvalue())
    assert outcome["codings_created"] == 3 and outcome["site"] == target.code
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"")
    with pytest.raises(CommandError, match="The file is empty"):
        call_command("import_qdpx", str(bad), "--site", "cmd")
    with pytest.raises(CommandError, match="no site with the code"):
        call_command("import_qdpx", str(out), "--site", "nowhere")
    with pytest.raises(CommandError, match="No site you can see has the code nowhere"):
        call_command("export_qdpx", "--out", str(out), "--site", "nowhere")


def test_a_coder_known_here_keeps_their_codings_after_a_round_trip(coded, lead):
    ann = UserFactory(username="ann", first_name="Ann")
    source = coded["source_a"]
    CodingFactory(source=source, theme=coded["rules"], coder=ann, start=0, end=5)
    data = project_export(user=lead, site_codes=[coded["site_a"].code]).data
    site = SiteFactory(code="again")
    project_import(site=site, actor=lead, data=data, filename="x.qdpx")
    assert Coding.objects.filter(site=site, coder=ann).count() == 1


@needs_fixtures
def test_coders_from_another_tool_are_inactive_accounts_found_again_by_guid(db, lead):
    from django.contrib.auth import get_user_model

    data = (FIXTURES / "qc-1.3.2_demo.qdpx").read_bytes()
    for code_ in ("x1", "x2"):
        project_import(site=SiteFactory(code=code_), actor=lead, data=data, filename="qc.qdpx")
    imported = get_user_model().objects.filter(username__startswith="imported-")
    assert imported.exists()
    assert not any(u.is_active or u.has_usable_password() for u in imported)
    coders = set(Coding.objects.filter(site__code="x1").values_list("coder", flat=True))
    assert coders == set(Coding.objects.filter(site__code="x2").values_list("coder", flat=True))


def test_a_paragraph_attributed_to_a_withdrawn_participant_is_left_out(coded, lead, researcher):
    from fieldwork import services as fieldwork_services

    notes = fieldwork_services.source_create(
        site=coded["site_a"],
        kind="observation",
        title="Field notes",
        actor=researcher,
        text="The team met.\n\nWendy said the rota never works on Fridays.",
    )
    paragraph = notes.segments.order_by("order").last()
    fieldwork_services.segment_attribute(
        segment=paragraph, participants=[coded["wendy"]], actor=researcher
    )
    withdraw(coded["wendy"])
    zf = archive(project_export(user=lead, site_codes=[coded["site_a"].code]).data)
    everything = b"".join(zf.read(name) for name in zf.namelist()).decode("utf-8", "replace")
    assert "rota never works" not in everything
    assert "The team met." in everything


def test_a_coder_in_an_open_blind_exercise_exports_only_their_own_codings_there(
    coded, lead, researcher
):
    from .factories import ExerciseFactory

    source = coded["source_a"]
    exercise = ExerciseFactory(site=coded["site_a"], blind=True)
    exercise.sources.add(source)
    exercise.coders.add(researcher, lead)
    own = CodingFactory(source=source, theme=coded["rules"], coder=researcher, start=0, end=6)
    result = project_export(user=researcher, site_codes=[coded["site_a"].code])
    qde = archive(result.data).read("project.qde").decode()
    on_source = [c for c in coded["codings"] if c.source_id == source.pk]
    assert on_source and all(c.coder != researcher for c in on_source)
    assert result.codings == 2  # the emoji source's coding and the researcher's own
    assert f'startPosition="{own.start}" endPosition="{own.end}"' in qde
