from django.core.management.base import BaseCommand

from themes.demo import seed_large


class Command(BaseCommand):
    help = (
        "Build the benchmark-sized project: 20 sites, 2,000 sources (~16 million words), "
        "200,000 codings. Idempotent per site. Use PostgreSQL."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(seed_large(stdout=self.stdout))
