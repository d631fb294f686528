"""`candour serve`: migrate, clean orphaned attachment files, collect static files and serve
Candour with gunicorn.

The same command in development (`./dev start`), in production (deploy/systemd/
candour-web.service) and in the test that starts the server in production mode
(tests/deploy/test_production_start.py). Options default to the environment, so that the
unit and the test differ only in their environment file:

  CANDOUR_BIND      address and port, or unix:/path (127.0.0.1:8000)
  CANDOUR_WORKERS   gunicorn worker processes (2)
  CANDOUR_THREADS   threads per worker (4)
"""

import logging
import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

log = logging.getLogger("candour.serve")


class Command(BaseCommand):
    help = "Migrate the database, collect static files and serve Candour with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("CANDOUR_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("CANDOUR_WORKERS", 2))
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("CANDOUR_THREADS", 4))
        )
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args, bind, workers, threads, no_migrate, **options):
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)

        # Files left by uploads killed before they were saved (issue 15; quick on a big folder).
        call_command("attachments", "clean")

        call_command("collectstatic", interactive=False, verbosity=0)
        if settings.DEBUG:
            self.stdout.write(self.style.SUCCESS(f"Candour is running at http://{bind}/"))
            self.stdout.write("Admin: /admin/   API documentation: /api/docs   Stop with Ctrl+C.")
            sys.stdout.flush()
        else:
            log.info("Migrated and collected static files; starting gunicorn on %s", bind)
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            settings.WSGI_APPLICATION.rsplit(".", 1)[0],
            "--config",
            "python:candour.config.gunicorn",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--graceful-timeout",
            "5",
        ]
        os.execv(sys.executable, argv)
