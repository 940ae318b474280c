from django.core.management.base import BaseCommand
from django.db import transaction

from themes.services import codings_fold_repeats


class Command(BaseCommand):
    help = (
        "Fold codings that repeat another of the same theme by the same coder on the same "
        "source and range (left by theme merges made before merges folded them) into one, "
        "keeping their memos. Audited per theme."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be folded; change nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        with transaction.atomic():
            folded = codings_fold_repeats(actor=None)
            if dry_run:
                transaction.set_rollback(True)
        for name, n in folded.items():
            self.stdout.write(f"{name}: {n} repeated coding{'s' if n != 1 else ''} folded")
        total = sum(folded.values())
        verb = "would be folded" if dry_run else "folded"
        self.stdout.write(f"{total} repeated coding{'s' if total != 1 else ''} {verb}.")
