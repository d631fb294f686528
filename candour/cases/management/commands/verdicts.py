"""`candour verdicts`: store the deadline engine's verdicts on every case, and keep each
answered stage's response, where they are missing or differ (ADR 0018). The cases migration
that began keeping them runs the same; run it again after changing a policy's clocks or an
organisation's closure days, if the verdicts of cases already answered should follow."""

from django.core.management.base import BaseCommand

from candour.cases import responses


class Command(BaseCommand):
    help = (
        "Store the deadline engine's met/missed verdicts on every case and keep a response for "
        "every answered stage that has none (what the reports count); changes only what differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000, metavar="CASES")

    def handle(self, *args, batch_size, **options):
        done = responses.rebuild(
            batch_size=batch_size,
            progress=lambda n: self.stderr.write(f"  {n:,} cases") if n % 100_000 == 0 else None,
        )
        self.stdout.write(
            f"Verdicts: {done['cases']:,} cases read, {done['verdicts']:,} verdicts changed, "
            f"{done['responses']:,} stage responses kept."
        )
