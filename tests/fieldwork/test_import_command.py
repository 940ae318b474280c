from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from fieldwork.models import ImportJob, Source

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "transcripts"
if not FIXTURES.exists():
    FIXTURES = Path("/work/shared/fixtures/transcripts")


def run(*args) -> tuple[list, int]:
    out = StringIO()
    try:
        call_command("import_transcripts", *args, stdout=out, stderr=StringIO())
        code = 0
    except CommandError as exc:
        code = exc.returncode
    return json.loads(out.getvalue()), code


def test_command_imports_real_fixture_files_and_reports_json(site_a):
    files = [
        FIXTURES / "docx_interview_initials_dash.docx",
        FIXTURES / "vtt_teams_nonstandard_timestamps.vtt",
    ]
    rows, code = run(*map(str, files), "--site", "alpha", "--json")

    assert code == 0
    assert [r["status"] for r in rows] == ["imported", "imported"]
    for row, path in zip(rows, files, strict=True):
        source = Source.objects.get(pk=row["source_id"])
        assert row["file"] == str(path) and row["error"] is None
        assert row["segments"] == source.segments.count() > 0
        assert row["characters"] == len(source.text)
        assert set(row["speakers"]) == set(
            source.segments.exclude(speaker="").values_list("speaker", flat=True)
        )
    assert rows[0]["speakers"] and ImportJob.objects.count() == 2


def test_command_exits_1_and_reports_a_failed_file(site_a, tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    good = tmp_path / "good.txt"
    good.write_text("Helen: hello there\n\nSam: hi")
    rows, code = run(str(good), str(bad), "--site", "alpha", "--kind", "observation", "--json")
    assert code == 1
    assert rows[0]["status"] == "imported" and rows[1]["status"] == "failed"
    assert rows[1]["error"] and rows[1]["source_id"] is None
    assert Source.objects.get().kind == "observation"


def test_command_refuses_an_unknown_site(db):
    with pytest.raises(CommandError):
        call_command("import_transcripts", "x.txt", "--site", "nowhere")
