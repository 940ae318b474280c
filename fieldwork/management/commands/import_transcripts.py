"""Import transcript files into a site's fieldwork, through the same job and service as the
browser: `python manage.py import_transcripts FILE [FILE …] --site CODE [--kind …] [--json]`."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from fieldwork import services
from fieldwork.models import ImportStatus, SourceKind
from sites.models import Site


class Command(BaseCommand):
    help = "Import transcript files (.txt .docx .odt .rtf .vtt .srt .otr) as sources of a site."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", help="Transcript files to import.")
        parser.add_argument("--site", required=True, help="Code of the site, e.g. 'northbrook'.")
        parser.add_argument(
            "--kind",
            choices=SourceKind.values,
            default=SourceKind.INTERVIEW,
            help="What the files are (default: interview).",
        )
        parser.add_argument("--user", help="Username recorded as the importer (default: nobody).")
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON array describing every file."
        )

    def handle(
        self, *args, files: list[str], site: str, kind: str, user: str | None, json: bool, **options
    ) -> None:
        try:
            target = Site.objects.get(code=site)
        except Site.DoesNotExist:
            raise CommandError(f"No site with the code '{site}'.") from None
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user called '{user}'.")
        results = [self._import_one(Path(name), target, kind, actor) for name in files]
        if json:
            self.stdout.write(_dumps(results))
        else:
            for row in results:
                if row["status"] == "imported":
                    self.stdout.write(
                        f"{row['file']}: imported as source {row['source_id']} "
                        f"({row['segments']} turns, {row['characters']} characters)"
                    )
                else:
                    self.stderr.write(f"{row['file']}: failed: {row['error']}")
        failed = sum(row["status"] == "failed" for row in results)
        if failed:
            raise CommandError(f"{failed} of {len(results)} files failed.", returncode=1)

    def _import_one(self, path: Path, site: Site, kind: str, actor) -> dict:
        row = {
            "file": str(path),
            "status": "failed",
            "source_id": None,
            "segments": 0,
            "speakers": [],
            "characters": 0,
            "error": None,
        }
        try:
            data = path.read_bytes()
        except OSError as exc:
            row["error"] = f"Cannot read the file: {exc.strerror or exc}."
            return row
        job = services.import_file(site=site, actor=actor, name=path.name, data=data, kind=kind)
        if job.status != ImportStatus.SUCCEEDED or job.source is None:
            row["error"] = job.error or "The import did not finish."
            return row
        source = job.source
        segments = list(source.segments.order_by("order").values_list("speaker", flat=True))
        row.update(
            status="imported",
            source_id=source.pk,
            segments=len(segments),
            speakers=list(dict.fromkeys(label for label in segments if label)),
            characters=len(source.text),
        )
        return row


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
