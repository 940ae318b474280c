from django.core.management.base import BaseCommand, CommandError

from workshops.models import Workshop
from workshops.packs import FORMATS, build_pack


class Command(BaseCommand):
    help = (
        "Write a session's workshop pack (DOMAIN A7) as PDF or DOCX. Mirror items whose "
        "speakers' consent no longer allows them are left out."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("workshop_id", help="The session's id (as in its page's address).")
        parser.add_argument(
            "--format", dest="fmt", required=True, help="pdf (to print) or docx (to edit)."
        )
        parser.add_argument("--out", required=True, help="The file to write.")

    def handle(self, *args, workshop_id: str, fmt: str, out: str, **options) -> None:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise CommandError(f"Choose --format pdf or --format docx (not {fmt!r}).")
        try:
            workshop = Workshop.objects.select_related("site").get(pk=int(workshop_id))
        except (ValueError, Workshop.DoesNotExist):
            raise CommandError(f"There is no workshop session with id {workshop_id}.") from None
        data, pages = build_pack(workshop, fmt)
        try:
            with open(out, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise CommandError(f"Could not write {out}: {exc.strerror}.") from None
        size = f", {pages} pages" if pages else ""
        self.stdout.write(
            f"Wrote the pack of {workshop.site.name}, session {workshop.number} to {out}{size}."
        )
