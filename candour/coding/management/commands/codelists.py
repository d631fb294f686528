"""`candour codelists load [FILE ...]`: load statutory return code lists from data files;
`candour codelists show`: what is loaded."""

from django.core.management.base import BaseCommand, CommandError

from candour.coding.codelists import CodeListError, load_file, shipped_files
from candour.coding.models import CodeList


class Command(BaseCommand):
    help = (
        "Code lists for KO41a/KO41b. `load` with no file loads the lists Candour ships "
        "(some UNCONFIRMED, see REGULATIONS.md §3); give your own JSON file to replace them. "
        "`show` lists what is loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load", "show"])
        parser.add_argument("files", nargs="*", help="JSON files (default: the shipped lists)")

    def handle(self, *args, action, files, **options):
        if action == "show":
            for cl in CodeList.objects.all():
                flag = " (UNCONFIRMED)" if cl.unconfirmed else ""
                self.stdout.write(
                    f"{cl}: {cl.codes.filter(retired=False).count()} codes, revision "
                    f"{cl.revision}, from {cl.file_name or 'unknown file'}{flag}"
                )
            return
        paths = files or shipped_files()
        for path in paths:
            try:
                result = load_file(path)
            except CodeListError as error:
                raise CommandError(f"Nothing loaded from {path}: {error}") from None
            for line in result.changed:
                self.stdout.write(line)
            self.stdout.write(
                self.style.SUCCESS(
                    f"{path}: {len(result.changed)} list(s) loaded or changed, "
                    f"{result.unchanged} unchanged."
                )
            )
