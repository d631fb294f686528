"""`candour attachments clean`: remove files that no attachment points at (issue 15)."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from candour.cases import attachments


class Command(BaseCommand):
    help = (
        "Attachment files. `clean` removes files in the attachments folder that no attachment "
        "points at, left by uploads killed before they were saved; `--dry-run` only lists them."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["clean"])
        parser.add_argument(
            "--dry-run", action="store_true", help="List the files; remove nothing."
        )
        parser.add_argument(
            "--older-than",
            type=int,
            default=int(attachments.CLEAN_AFTER.total_seconds() // 60),
            metavar="MINUTES",
            help="Only files unchanged for this many minutes (default %(default)s).",
        )

    def handle(self, *args, action, dry_run, older_than, **options):
        found = attachments.clean(dry_run=dry_run, older_than=timedelta(minutes=older_than))
        for name in found:
            self.stdout.write(name)
        verb = "to remove" if dry_run else "removed"
        self.stdout.write(f"Attachments clean: {len(found)} file(s) with no attachment {verb}.")
