"""`candour serve`: migrate, collect static files and serve Candour with gunicorn."""

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate the database, collect static files and serve Candour with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("CANDOUR_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("CANDOUR_WORKERS", 2))
        )
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args, bind, workers, no_migrate, **options):
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)

        # Files left by uploads killed before they were saved (issue 15; quick on a big folder).
        call_command("attachments", "clean")

        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(self.style.SUCCESS(f"Candour is running at http://{bind}/"))
        self.stdout.write("Admin: /admin/   API documentation: /api/docs   Stop with Ctrl+C.")
        sys.stdout.flush()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            settings.WSGI_APPLICATION.rsplit(".", 1)[0],
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "5",
        ]
        os.execv(sys.executable, argv)
