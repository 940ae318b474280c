import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from sites.models import Role
from workshops.reports import FORMATS, ReportError, ReportSelection, build_report


class Command(BaseCommand):
    help = (
        "Write the cross-site report (themes across sites and phases, excerpts with "
        "provenance, each site's workshops, contradictions and experiments, methods) as PDF, "
        "DOCX or XLSX. Words of participants whose consent excludes them are left out."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--site", action="append", default=[], dest="sites", help="A site code (repeat)."
        )
        parser.add_argument(
            "--phase",
            action="append",
            default=[],
            dest="phases",
            help="A research phase number (repeat); none means every phase and undated sources.",
        )
        parser.add_argument(
            "--theme", action="append", default=[], dest="themes", help="A theme id or name."
        )
        parser.add_argument(
            "--kind",
            action="append",
            default=[],
            dest="kinds",
            help="A source kind: interview, observation, document or workshop (repeat).",
        )
        parser.add_argument(
            "--excerpts", type=int, default=2, help="Excerpts per theme and site (1 to 5)."
        )
        parser.add_argument(
            "--user",
            help="The project lead it is built for (default: the first project lead by name).",
        )
        parser.add_argument(
            "--format", dest="fmt", required=True, help="pdf (to print), docx (to edit), xlsx."
        )
        parser.add_argument("--out", required=True, help="The file to write.")

    def handle(self, *args, sites, phases, themes, kinds, excerpts, user, fmt, out, **options):
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise CommandError(f"Choose --format pdf, docx or xlsx (not {fmt!r}).")
        if not 1 <= excerpts <= 5:
            raise CommandError("Give --excerpts as a number from 1 to 5.")
        try:
            phase_numbers = tuple(int(p) for p in phases)
        except ValueError:
            raise CommandError("Give each --phase as a number, e.g. --phase 2.") from None
        lead = self._lead(user)
        selection = ReportSelection(
            user_id=lead.pk,
            sites=tuple(sites),
            phases=phase_numbers,
            themes=tuple(themes),
            kinds=tuple(kinds),
            excerpts_per_site=excerpts,
        )
        folder = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            raise CommandError(f"Could not write {out}: no writable folder {folder}.")
        try:
            result = build_report(selection, fmt)
        except ReportError as exc:
            raise CommandError(str(exc)) from None
        try:
            with open(out, "wb") as handle:
                handle.write(result.content)
        except OSError as exc:
            raise CommandError(f"Could not write {out}: {exc.strerror}.") from None
        pages = f", {result.page_count} pages" if result.page_count else ""
        self.stdout.write(
            f"Wrote the cross-site report ({len(result.site_ids)} sites) to {out}{pages}."
        )

    def _lead(self, username: str | None):
        users = get_user_model().objects.filter(is_active=True)
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"There is no active user {username!r}.")
            return user
        lead = (
            users.filter(memberships__site__isnull=True, memberships__role=Role.LEAD)
            .order_by("username")
            .first()
        ) or users.filter(is_superuser=True).order_by("username").first()
        if lead is None:
            raise CommandError("There is no project lead to build the report for; use --user.")
        return lead
