"""The WSGI application that gunicorn's workers serve (`candour serve`) and runserver uses.

Once the application is loaded, everything it holds lives as long as the worker, so it is
moved out of the garbage collector's reach with gc.freeze(). Left in, each full collection
walks all of it: about 100 ms, every few requests for a page that makes many objects (a
national search for a common surname at 1,000,000 cases: 3 requests in 40 took 160 ms
instead of 80; docs/performance.md, "Worklist and search"). Objects made afterwards are
collected as usual. Python's documentation recommends the same for servers that fork
workers, to keep memory shared between them.

Before freezing, the worker loads what Django and Candour would otherwise load at the first
request, which is most of it: every URL with its views, the API and its schemas, and the
bank holiday tables.
"""

import gc
import os
from datetime import date

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candour.config.settings")
application = get_wsgi_application()


def load_ahead() -> None:
    from candour.calendars import Nation, WorkingCalendar

    get_resolver().reverse_dict  # noqa: B018  (imports every URL module: the API too)
    today = date.today()
    for nation in Nation:
        WorkingCalendar(nation).is_working_day(today)


load_ahead()
gc.freeze()
