import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sites.models import Site
from themes.refi.importer import project_import
from themes.refi.reader import RefiError


class Command(BaseCommand):
    help = (
        "Import a REFI-QDA project (.qdpx) or codebook (.qdc) from NVivo, ATLAS.ti, MAXQDA, "
        "QualCoder or Taguette into one site. Lands whole or not at all."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The .qdpx or .qdc file.")
        parser.add_argument("--site", required=True, metavar="CODE", help="The site to land in.")
        parser.add_argument(
            "--into-folder",
            action="store_true",
            help="Add the codes under a new 'Imported from …' folder instead of merging them "
            "into the codebook by name.",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the outcome as JSON."
        )

    def handle(self, *args, file: str, site: str, into_folder: bool, as_json: bool, **options):
        try:
            target = Site.objects.get(code=site)
        except Site.DoesNotExist:
            raise CommandError(f"There is no site with the code “{site}”.") from None
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Could not read {file}: {exc.strerror}.") from None
        try:
            report = project_import(
                site=target, actor=None, data=data, filename=path.name, into_folder=into_folder
            )
        except RefiError as exc:
            raise CommandError(str(exc)) from None
        outcome = {
            **report.preview.as_dict(),
            "site": target.code,
            "sources_created": [s.pk for s in report.sources],
            "themes_created": report.themes_created,
            "codings_created": report.codings,
            "memos_created": report.memos,
            "unplaced": report.unplaced,
        }
        if as_json:
            self.stdout.write(json.dumps(outcome, indent=2, ensure_ascii=False))
            return
        self.stdout.write(
            f"Imported {path.name} into {target.code}: {len(report.sources)} sources, "
            f"{report.themes_created} new themes, {report.codings} codings, "
            f"{report.memos} memos."
        )
        for reason, count in sorted(report.preview.project.dropped.items()):
            self.stdout.write(f"  left out: {count} {reason}")
        for line in report.unplaced:
            self.stdout.write(f"  not placed: {line}")
