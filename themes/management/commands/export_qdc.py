from django.core.management.base import BaseCommand, CommandError

from themes.refi.export import ExportRefused, codebook_export


class Command(BaseCommand):
    help = "Write the codebook as a REFI-QDA .qdc, validated against the official schema."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", required=True, help="The .qdc file to write.")

    def handle(self, *args, out: str, **options) -> None:
        try:
            data = codebook_export()
        except ExportRefused as exc:
            raise CommandError(str(exc)) from None
        try:
            with open(out, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise CommandError(f"Could not write {out}: {exc.strerror}.") from None
        self.stdout.write(f"Wrote {out}.")
