"""gunicorn's configuration for `candour serve` (`gunicorn -c python:candour.config.gunicorn`).

The command line `candour serve` builds holds the bind address, workers and threads; this
holds what has no command-line form in every gunicorn version:

- gunicorn's own lines (starting, workers booting and timing out) in Candour's format, JSON
  with CANDOUR_DEBUG=0: the same logging configuration as Django's (settings.LOGGING), whose
  request line replaces gunicorn's access log;
- no control socket (gunicorn 25.1 and later make one in $HOME/.gunicorn/ by default, one
  path for every gunicorn of a user, so two servers would take each other's). systemd
  manages the service; an older gunicorn ignores the setting.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candour.config.settings")

from django.conf import settings

logconfig_dict = settings.LOGGING
control_socket_disable = True
