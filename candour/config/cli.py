"""The `candour` command: Django's management commands with Candour's settings.

candour serve                 migrate and serve (gunicorn) on 127.0.0.1:8000
candour demo --cases 500      seed synthetic demo data
candour createorganisation "Minster Medical Group" --code MMG --preset gp-practice
candour audit verify          check the audit trail (and `checkpoint`, `createkey`, `reseal`)
candour attachments clean     remove files no attachment points at (--dry-run lists)
candour migrate | createsuperuser | shell | …
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candour.config.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "candour"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
