"""`candour createorganisation NAME --code CODE --preset PRESET [--parent CODE]`."""

from django.core.management.base import BaseCommand, CommandError

from candour.calendars import Nation
from candour.organisations.models import Organisation, OrganisationKind
from candour.organisations.policy import PRESETS, PolicyError
from candour.organisations.setup import SetupError, create_organisation


class Command(BaseCommand):
    help = "Create an organisation, with its complaints policy from a preset."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--code", required=True, help="Short code for references, e.g. MMG")
        parser.add_argument("--preset", choices=sorted(PRESETS), help="Policy to start from")
        parser.add_argument(
            "--kind", default=OrganisationKind.OTHER, choices=OrganisationKind.values
        )
        parser.add_argument("--parent", help="Code of the organisation above this one")
        parser.add_argument("--nation", default=Nation.ENGLAND, choices=[n.value for n in Nation])

    def handle(self, *args, name, code, preset, kind, parent, nation, **options):
        parent_org = None
        if parent:
            parent_org = Organisation.objects.filter(code=parent.upper()).first()
            if parent_org is None:
                raise CommandError(f"--parent: there is no organisation with code {parent}")
        try:
            org = create_organisation(
                name=name,
                code=code,
                kind=kind,
                parent=parent_org,
                nation=nation,
                preset_name=preset,
            )
        except (SetupError, PolicyError) as error:
            raise CommandError(str(error)) from None
        policy = org.policy
        self.stdout.write(self.style.SUCCESS(f"Created {org.name} ({org.code})."))
        self.stdout.write(
            f"Policy: {policy.name}. Acknowledge within {policy.acknowledgement}; "
            f"respond within {policy.response}; time limit {policy.time_limit}."
        )
