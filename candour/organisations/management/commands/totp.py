"""`candour totp USERNAME`: print the current sign-in code of a demo or development user."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from candour.organisations import two_factor


class Command(BaseCommand):
    help = (
        "Print the current 6-digit sign-in code of a demo or development user. Refused when "
        "CANDOUR_DEBUG=0 unless --force: on a real server a code belongs on the user's phone."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--force", action="store_true", help="Allow it with DEBUG off.")

    def handle(self, *args, username, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "candour totp is for demo and development installations (CANDOUR_DEBUG=1); "
                "use --force if you really mean to print a code here."
            )
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username!r}.")
        device = two_factor.confirmed_device(user)
        if device is None:
            raise CommandError(
                f"{username} has not set up an authenticator app yet: sign in once to set one "
                "up, or load the demo (`candour demo`) for the demo logins."
            )
        self.stdout.write(two_factor.current_code(device))
