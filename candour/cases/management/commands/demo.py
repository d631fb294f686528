"""`candour demo [--cases N] [--if-empty] [--seed S] [--no-extras]`: synthetic demonstration
data."""

from django.core.management.base import BaseCommand, CommandError

from candour import demo, demo_extras


class Command(BaseCommand):
    help = (
        "Create synthetic demo organisations (one for each policy preset), demo logins and "
        "N synthetic cases. Never use with real data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=3000, help="How many cases to load.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the database already holds cases (still prints the logins).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--batch-size", type=int, default=5000, help="Cases written per transaction."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=demo.default_workers(),
            help="Processes planning cases while this one writes them (0: none).",
        )
        parser.add_argument(
            "--no-extras",
            action="store_true",
            help="Load the cases only: no letters, action plans, lessons, risk referrals or "
            "KO41 coding on a sample of them (candour/demo_extras.py).",
        )

    def handle(self, *args, cases, if_empty, seed, batch_size, workers, no_extras, **options):
        if cases < 0:
            raise CommandError("--cases: give a number of cases, 0 or more")
        if batch_size < 1:
            raise CommandError("--batch-size: give a positive number, for example 5000")

        def progress(done: int, total: int, rate: float) -> None:
            self.stdout.write(f"  {done:,} of {total:,} cases loaded ({rate:,.0f} cases/s)")

        result = demo.run_demo(
            cases,
            if_empty=if_empty,
            seed=seed,
            batch_size=batch_size,
            workers=workers,
            progress=progress,
            extras=not no_extras,
        )
        if result.skipped:
            self.stdout.write("The database already holds cases; nothing loaded (--if-empty).")
        elif result.loaded:
            loaded = result.loaded
            rows = ", ".join(f"{n:,} {name}" for name, n in loaded.rows.items())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {loaded.cases:,} synthetic cases in {loaded.seconds:.1f} s "
                    f"({loaded.rate:,.0f} cases/s): {rows}."
                )
            )
        self.stdout.write(demo.logins_text())
        if not no_extras:
            self.stdout.write(demo_extras.logins_text())
