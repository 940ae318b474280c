from django.core.management.base import BaseCommand, CommandError

from themes.refi.export import ExportRefused, project_export


class Command(BaseCommand):
    help = (
        "Write the project (or some sites) as a REFI-QDA .qdpx, validated against the official "
        "schema. Withdrawn participants' words and the codings on them are left out."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", required=True, help="The .qdpx file to write.")
        parser.add_argument(
            "--site",
            action="append",
            dest="sites",
            metavar="CODE",
            help="Only this site (repeatable).",
        )

    def handle(self, *args, out: str, sites: list[str] | None, **options) -> None:
        try:
            result = project_export(site_codes=sites)
        except ExportRefused as exc:
            raise CommandError(str(exc)) from None
        try:
            with open(out, "wb") as handle:
                handle.write(result.data)
        except OSError as exc:
            raise CommandError(f"Could not write {out}: {exc.strerror}.") from None
        self.stdout.write(f"Wrote {out}: {result.summary()}.")
