"""`candour audit verify`: walk the hash chain and report every break."""

from django.core.management.base import BaseCommand, CommandError

from candour.audit.chain import verify


class Command(BaseCommand):
    help = "Audit trail tools. `verify` checks that no event was edited or deleted."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action, **options):
        result = verify()
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(f"Audit trail intact: {result.checked} events checked.")
            )
            return
        for problem in result.problems:
            self.stderr.write(problem)
        raise CommandError(
            f"Audit trail broken: {len(result.problems)} problem(s) in {result.checked} events."
        )
