"""`candour audit verify | checkpoint | createkey | reseal` (docs/adr/0014)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from candour.audit import checkpoints
from candour.audit.chain import verify
from candour.audit.keys import AuditKeyMissing, create_key_file
from candour.audit.reseal import OldChainBroken, reseal


class Command(BaseCommand):
    help = (
        "Audit trail tools. `verify` checks that no event was edited or deleted; `checkpoint` "
        "writes a signed checkpoint of the chain's head; `createkey` makes the audit key; "
        "`reseal` moves a trail sealed before the key to the key."
    )
    # `createkey` must run where the key check (candour.audit.E001) fails.
    requires_system_checks = []

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        check = actions.add_parser("verify", help="check the chain and its checkpoints")
        check.add_argument(
            "--checkpoints",
            dest="checkpoint_file",
            type=Path,
            help="the checkpoint file to check against (default CANDOUR_AUDIT_CHECKPOINT_FILE), "
            "for example a copy shipped to another machine",
        )
        actions.add_parser("checkpoint", help="append a signed checkpoint of the chain's head")
        create = actions.add_parser("createkey", help="write a new random audit key file")
        create.add_argument("--path", type=Path, help="default CANDOUR_AUDIT_KEY_FILE")
        again = actions.add_parser("reseal", help="rehash a trail sealed before the audit key")
        again.add_argument(
            "--despite-problems",
            action="store_true",
            help="reseal a broken trail, recording the problems found in it",
        )

    def handle(self, *args, action, **options):
        try:
            getattr(self, action)(**options)
        except AuditKeyMissing as missing:
            raise CommandError(str(missing)) from None

    def verify(self, *, checkpoint_file, **options):
        result = verify(checkpoint_file=checkpoint_file)
        for note in result.notes:
            self.stdout.write(note)
        newest = result.newest_checkpoint
        against = (
            f" against {result.checkpoints} checkpoint(s), the newest at event "
            f"{newest.sequence} ({newest.at})"
            if newest
            else ""
        )
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(f"Audit trail intact: {result.checked} events checked{against}.")
            )
            return
        for problem in result.problems:
            self.stderr.write(problem)
        raise CommandError(
            f"Audit trail broken: {len(result.problems)} problem(s) in {result.checked} events."
        )

    def checkpoint(self, **options):
        written = checkpoints.write_head()
        if written is None:
            self.stdout.write("The audit trail is empty: there is nothing to checkpoint yet.")
            return
        self.stdout.write(
            f"Checkpoint written to {checkpoints.path()}: event {written.sequence}, "
            f"hash {written.hash}."
        )

    def createkey(self, *, path, **options):
        path = path or (
            Path(settings.CANDOUR_AUDIT_KEY_FILE) if settings.CANDOUR_AUDIT_KEY_FILE else None
        )
        if path is None:
            raise CommandError("Say where: --path FILE (and set CANDOUR_AUDIT_KEY_FILE to it).")
        try:
            create_key_file(path)
        except FileExistsError:
            raise CommandError(
                f"{path} already exists and is never replaced: every event is sealed with it."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(f"Audit key written to {path} (readable by its owner only).")
        )
        self.stdout.write(
            "Back it up now, apart from the database's backups: without it the trail cannot "
            "be verified, and with it anyone holding the database could rewrite the trail."
        )

    def reseal(self, *, despite_problems, **options):
        try:
            result = reseal(despite_problems=despite_problems)
        except OldChainBroken as broken:
            for problem in broken.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"The audit trail has {len(broken.problems)} problem(s) (above) and was not "
                "resealed. Find out what happened; `--despite-problems` reseals it anyway and "
                "records these problems in the trail."
            ) from None
        if result.already_keyed:
            self.stdout.write("The audit trail is already sealed with the key; nothing to do.")
        elif not result.events:
            self.stdout.write("The audit trail is empty; nothing to do.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Resealed {result.events} events with the audit key"
                    + (
                        f", recording {len(result.problems)} problem(s)."
                        if result.problems
                        else "."
                    )
                )
            )
