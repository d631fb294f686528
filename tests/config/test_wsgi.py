"""The WSGI application as gunicorn's workers load it."""

import subprocess
import sys


def test_a_worker_freezes_what_the_application_loaded_out_of_the_collectors_way():
    # In a fresh interpreter, as a worker starts: the loaded application's objects (over a
    # hundred thousand) are in the permanent generation; the collector still runs for new ones.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc, sys; from candour.config import wsgi; "
            "print(gc.get_freeze_count(), gc.isenabled(), callable(wsgi.application), "
            "'candour.api.urls' in sys.modules)",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    frozen, enabled, callable_, api_loaded = done.stdout.split()
    assert int(frozen) > 10_000
    # The API's URLs (loaded by Django only at the first request) were loaded before it.
    assert (enabled, callable_, api_loaded) == ("True", "True", "True")
