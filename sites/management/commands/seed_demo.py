"""Load demonstration data: five invented sites, people with consent in every state, the
study's phases, personas, and whatever each later app adds in its own `<app>/demo.py`.

Idempotent: running it twice changes nothing. It publishes a password, so it refuses to run
with DJANGO_DEBUG off unless given --force, and it never changes an account it did not make.
"""

from __future__ import annotations

import os
from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

APPS_IN_ORDER = ("sites", "fieldwork", "themes", "workshops")


class Command(BaseCommand):
    help = "Load the demonstration sites, participants, personas and fieldwork (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--scale",
            choices=["demo", "large"],
            default="demo",
            help="'demo' (default) for the five sites; 'large' adds a benchmark-sized "
            "project where an app supports it.",
        )
        parser.add_argument("--quiet", action="store_true", help="Print only the logins.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DJANGO_DEBUG off (a server you mean to fill with demo data).",
        )

    def handle(self, *args, scale: str, quiet: bool, force: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo adds invented sites and accounts whose password is published, so it "
                "runs only with DJANGO_DEBUG=1. To load the demo into this database anyway, "
                "run it again with --force."
            )
        password = os.environ.get("DEMO_PASSWORD") or settings.DEMO_PASSWORD_DEFAULT
        context: dict = {"password": password, "scale": scale, "stdout": self.stdout}
        for app in APPS_IN_ORDER:
            module_name = f"{app}.demo"
            if find_spec(module_name) is None:
                continue
            summary = import_module(module_name).seed(context)
            if summary and not quiet:
                self.stdout.write(f"{app}: {summary}")
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in with:"))
        for username, description in context.get("personas", []):
            self.stdout.write(f"  {username:<12} {description}")
        for username in context.get("left_alone", []):
            self.stdout.write(
                self.style.WARNING(
                    f"  {username:<12} already existed and was not made by seed_demo: left as it "
                    "was (password, roles and memberships unchanged)."
                )
            )
        self.stdout.write(f"  password:    {password}  (set DEMO_PASSWORD to change it)")
