"""Locust users for bench/bench_load.py, which prepares their plan and runs this file:
signed-in complaints staff at work, and members of the public sending the feedback form.

A staff user acts every few seconds (the plan's think time, `--wait`, 3 to 10 s by default),
choosing what to do as a complaints team works: mostly the worklist, searches and case pages,
some actions through the case page's own forms, letters, and now and then the dashboard or
a report. Public users fill in the whole form together once a minute (a burst, as after a
newsletter), each submission from its own address (X-Real-IP), pausing a second or two on
each page.

Every response is checked: the expected status (a page 200, a form's POST a redirect to the
right place), never a redirect to the sign-in page; failures are counted per request name
with what was wrong. Each request's time is also kept (`events.request`) and written to
$CANDOUR_LOAD_SAMPLES when the run ends, so bench_load.py can take exact percentiles of the
time after the ramp.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from datetime import date, timedelta
from html import unescape
from html.parser import HTMLParser
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import gevent
from locust import HttpUser, between, events, task

PLAN = json.loads(Path(os.environ["CANDOUR_LOAD_PLAN"]).read_text())
SCHEME = "https" if PLAN["secure"] else "http"

# The worklist as a team uses it: queues, filters and sorts (as bench/bench_web.py times them).
QUEUES = [
    {},
    {"queue": "mine"},
    {"queue": "team"},
    {"queue": "overdue"},
    {"queue": "due_soon"},
    {"queue": "awaiting_consent"},
    {"queue": "unassigned", "sort": "-received_at"},
]
FILTERS = [
    {"kind": "complaint", "status": "open"},
    {"grade": 2, "stage": 1},
    {"service": "Appointments", "sort": "next_due"},
    {"queue": "closed", "kind": "concern"},
    {"queue": "all", "sort": "reference"},
    {"queue": "due_soon", "due_within": 10},
]
# The case page's actions a user takes here, with what is typed into their text boxes. Each
# is taken only when the case page offers it; its other fields get a choice from the form.
ACTIONS = {
    "acknowledge": {},
    "add-issue": {
        "description": "Load test: the letter about the appointment was never sent.",
        "desired_outcome": "An explanation.",
    },
    "assign-handler": {},
    "assign-investigator": {},
    "grade": {},
    "log-update": {"note": "Load test: told the complainant the investigation goes on."},
    "record-evidence": {"description": "Load test: the appointment records."},
    "add-staff": {"name": "Load Test", "job_title": "Receptionist"},
    "record-lesson": {
        "text": "Load test: confirm appointments in writing.",
        "themes": "Communication",
    },
    "request-consent": {},
    "external-notification": {"body": "The insurer"},
}

# A fifth of the actions are on a case all the sessions of a login share, so colleagues act on
# one case at once (more so as requests queue), with actions that neither change its status
# nor are refused for being done before: any refusal is a failure.
SHARED_SHARE = 0.2
SHARED_ACTIONS = {
    "add-issue",
    "assign-handler",
    "grade",
    "log-update",
    "record-evidence",
    "add-staff",
    "record-lesson",
}

# --- what the user's browser does ---------------------------------------------------------


class BehindTheProxy(DefaultCookiePolicy):
    """The reverse proxy ends TLS, so the server's Secure cookies (production) come back to
    it over plain HTTP on 127.0.0.1, as they would from a browser over HTTPS."""

    def return_ok_secure(self, cookie, request):
        return True


class FormFields(HTMLParser):
    """The fields of a page's POST form: inputs with their values, textareas, the options of
    each select and each group of radios."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self.kinds: dict[str, str] = {}
        self.options: dict[str, list[str]] = {}
        self._select = self._textarea = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("radio", "checkbox"):
                self.kinds[name] = kind
                self.options.setdefault(name, []).append(a.get("value") or "")
            else:
                self.kinds[name] = kind
                self.values[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self.kinds[name] = "textarea"
            self.values[name] = ""
            self._textarea = name
        elif tag == "select" and name:
            self.kinds[name] = "select"
            self.options[name] = []
            self._select = name
        elif tag == "option" and self._select:
            self.options[self._select].append(a.get("value") or "")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


def form_of(html: str) -> FormFields:
    parser = FormFields()
    parser.feed(html)
    return parser


def error_summary(html: str) -> str:
    """The page's error messages, for a failure's message."""
    listed = re.search(r'nhsuk-error-summary__list"[^>]*>(.*?)</ul>', html, re.S)
    found = re.findall(r"<li>(.*?)</li>", listed.group(1), re.S) if listed else []
    text = " | ".join(re.sub(r"<[^>]+>", " ", unescape(f)) for f in found)
    return " ".join(text.split())[:300] or "no error message on the page"


class Browser(HttpUser):
    """What both kinds of user share: the proxy's headers, the cookie policy, and checked
    requests."""

    abstract = True

    def on_start(self):
        self.client.cookies.set_policy(BehindTheProxy())
        host = urlsplit(self.host).netloc
        self.client.headers["Origin"] = f"{SCHEME}://{host}"
        # One connection a request, as the reverse proxy talks to gunicorn (nginx's upstream
        # default): a kept-alive connection that gunicorn closes after its 2 s keep-alive,
        # just as the next request is sent on it, is reset, which a browser would retry.
        self.client.headers["Connection"] = "close"
        if PLAN["secure"]:
            self.client.headers["X-Forwarded-Proto"] = "https"

    def fetch(self, method: str, url: str, name: str, *, expect=200, to="", contains="", **kw):
        """One request, checked: `expect` the status, `to` where a redirect must go, and
        what the page must say."""
        # requests builds each request's cookies in a fresh jar with the default policy, which
        # withholds Secure cookies from plain HTTP whatever this session's policy says; the
        # proxy ends TLS, so the browser would send them: mark them sendable.
        for cookie in self.client.cookies:
            cookie.secure = False
        with self.client.request(
            method, url, name=name, allow_redirects=False, catch_response=True, **kw
        ) as response:
            where = response.headers.get("Location", "")
            if response.status_code == 0:
                response.failure(f"no response: {response.error!r}")
            elif "/sign-in/" in where:
                response.failure(f"{response.status_code} to the sign-in page")
            elif response.status_code != expect:
                detail = error_summary(response.text) if response.status_code == 400 else where
                response.failure(f"{response.status_code} (expected {expect}) {detail}".strip())
            elif to and not urlsplit(where).path.startswith(to):
                response.failure(f"redirected to {where}, not {to}")
            elif contains and contains not in response.text:
                response.failure(f"the page does not say {contains!r}")
            else:
                response.success()
            return response

    def post_form(self, url: str, page_html: str, data: dict, name: str, *, to: str):
        token = form_of(page_html).values.get("csrfmiddlewaretoken", "")
        return self.fetch(
            "POST",
            url,
            name,
            expect=302,
            to=to,
            data={"csrfmiddlewaretoken": token, **data},
            headers={"Referer": f"{self.client.headers['Origin']}{url}"},
        )


# --- staff --------------------------------------------------------------------------------

staff_numbers = itertools.count()


class Staff(Browser):
    """A member of a complaints team, signed in (the plan's session) at their worklist."""

    wait_time = between(*PLAN["wait"])
    weight = 10

    def on_start(self):
        super().on_start()
        number = next(staff_numbers)
        self.me = PLAN["sessions"][number % len(PLAN["sessions"])]
        self.rng = random.Random(number)
        host = urlsplit(self.host).hostname
        self.client.cookies.set(PLAN["session_cookie"], self.me["session"], domain=host, path="/")
        self.acting = itertools.cycle(self.me["act"] or [None])

    def case_reference(self) -> str:
        return self.rng.choice(self.me["read"] or self.me["act"])

    @task(60)
    def worklist(self):
        if self.rng.random() < 0.6:
            params, name = self.rng.choice(QUEUES), "worklist: queue"
        else:
            params, name = self.rng.choice(FILTERS), "worklist: filters"
        page = self.fetch("GET", "/?" + urlencode(params), name)
        following = re.search(r'href="(/\?[^"]*cursor=[^"]+)"', page.text or "")
        if following and self.rng.random() < 0.3:
            gevent.sleep(self.rng.uniform(1, 3))
            self.fetch("GET", unescape(following.group(1)), "worklist: next page")

    @task(40)
    def search(self):
        kind = self.rng.choice(("reference", "surname", "words"))
        if kind == "reference":
            term = self.case_reference()
        elif kind == "surname" and self.me["surnames"]:
            term = self.rng.choice(self.me["surnames"])
        else:
            kind, term = "words", self.rng.choice(self.me["words"])
        self.fetch("GET", "/?" + urlencode({"q": term}), f"search: {kind}")

    @task(50)
    def case_page(self):
        self.fetch("GET", f"/cases/{self.case_reference()}/", "case page")

    @task(24)
    def act(self):
        """Open one of the user's open cases, take an action its page offers through the
        action's own form, and come back to the case."""
        shared = self.me["shared"] and self.rng.random() < SHARED_SHARE
        reference = self.me["shared"] if shared else next(self.acting)
        if reference is None:
            return self.case_page()
        page = self.fetch("GET", f"/cases/{reference}/", "case page")
        offered = set(re.findall(rf'href="/cases/{re.escape(reference)}/([a-z-]+)/"', page.text))
        choices = sorted(offered & (SHARED_ACTIONS if shared else ACTIONS.keys()))
        if not choices:
            return None
        slug = self.rng.choice(choices)
        url = f"/cases/{reference}/{slug}/"
        gevent.sleep(self.rng.uniform(1, 3))
        form_page = self.fetch("GET", url, "action: form")
        if form_page.status_code != 200:
            return None
        data = self.fill(form_of(form_page.text), ACTIONS[slug])
        gevent.sleep(self.rng.uniform(2, 5))
        name = "action on a shared case" if shared else f"action: {slug}"
        sent = self.post_form(url, form_page.text, data, name, to=f"/cases/{reference}/")
        if sent.status_code == 302:
            self.fetch("GET", f"/cases/{reference}/", "case page (after an action)")
        return None

    def fill(self, form: FormFields, typed: dict) -> dict:
        """The form as a person fills it in: the given text, a choice for each question, a
        date a few weeks ahead for a date, the page's own values for the rest."""
        data = {}
        for name, kind in form.kinds.items():
            if name == "csrfmiddlewaretoken" or kind == "checkbox":
                continue
            if name in typed:
                data[name] = typed[name]
            elif kind in ("radio", "select"):
                options = [o for o in form.options.get(name, []) if o]
                if options:
                    data[name] = self.rng.choice(options)
            elif kind == "date":
                data[name] = (date.today() + timedelta(days=self.rng.randint(20, 40))).isoformat()
            else:
                data[name] = form.values.get(name, "")
        return data

    @task(12)
    def letters(self):
        if not self.me["letters"] or self.rng.random() < 0.3:
            self.fetch("GET", f"/cases/{self.case_reference()}/letters/", "letters: a case's")
            return
        reference, pk = self.rng.choice(self.me["letters"])
        self.fetch("GET", f"/cases/{reference}/letters/", "letters: a case's")
        gevent.sleep(self.rng.uniform(1, 3))
        self.fetch("GET", f"/cases/{reference}/letters/{pk}/", "letters: letter")
        gevent.sleep(self.rng.uniform(1, 3))
        if self.rng.random() < 0.2:
            self.fetch("GET", f"/cases/{reference}/letters/{pk}/file.pdf", "letters: PDF")
        else:
            self.fetch("GET", f"/cases/{reference}/letters/{pk}/text/", "letters: text")

    @task(1)
    def dashboard_or_report(self):
        if not self.me["report"]:
            return self.worklist()
        if self.rng.random() < 0.5:
            return self.fetch("GET", "/dashboard/", "dashboard")
        return self.fetch("GET", self.me["report"], "report: monthly")


# --- the public ---------------------------------------------------------------------------

public_numbers = itertools.count()
BURST_EVERY = 60  # seconds
MONTH_AGO = date.today() - timedelta(days=30)
# What people send: the answers of each page, by page.
ABOUT_ME_BY_EMAIL = {
    "kind": {"kind": "complaint"},
    "about": {"about": "myself"},
    "what": {"description": "Load test: I waited three hours for my appointment."},
    "when": {
        "when_known": "date",
        "event_date-day": str(MONTH_AGO.day),
        "event_date-month": str(MONTH_AGO.month),
        "event_date-year": str(MONTH_AGO.year),
    },
    "where": {"service": "Outpatients", "staff_involved": ""},
    "outcome": {"desired_outcome": "An apology."},
    "contact": {"contact_by": "email"},
    "details": {
        "first_name": "Load",
        "last_name": "Tester",
        "email": "load.tester@example.invalid",
        "telephone": "",
        "address": "",
        "postcode": "",
    },
    "needs": {"accessible_format": "none", "language": ""},
}
FOR_SOMEONE_BY_POST = ABOUT_ME_BY_EMAIL | {
    "kind": {"kind": "concern"},
    "about": {"about": "someone_else"},
    "person": {
        "patient_first_name": "Pat",
        "patient_last_name": "Tester",
        "patient_date_of_birth-day": "",
        "patient_date_of_birth-month": "",
        "patient_date_of_birth-year": "",
    },
    "relationship": {"relationship": "parent_guardian"},
    "consent": {"consent": "child"},
    "contact": {"contact_by": "post"},
    "details": ABOUT_ME_BY_EMAIL["details"]
    | {"email": "", "address": "1 Test Street\nTestville", "postcode": "ZZ1 1ZZ"},
}
ANONYMOUS_COMPLIMENT = {
    "kind": {"kind": "compliment"},
    "what": {"description": "Load test: the nurses were very kind."},
    "when": {"when_known": "not_sure"},
    "where": {"service": "", "staff_involved": ""},
    "contact": {"contact_by": "none"},
}
SUBMISSIONS = (ABOUT_ME_BY_EMAIL, FOR_SOMEONE_BY_POST, ANONYMOUS_COMPLIMENT)


class Public(Browser):
    """A member of the public sending the feedback form, in a burst with the others."""

    fixed_count = PLAN["public_users"]

    def wait_time(self):
        """Until the next burst, give or take a few seconds."""
        return BURST_EVERY - time.time() % BURST_EVERY + self.rng.uniform(0, 5)

    def on_start(self):
        super().on_start()
        self.number = next(public_numbers)
        self.rng = random.Random(f"public-{self.number}")
        self.sent = 0

    @task
    def send_feedback(self):
        """The whole form, as a new person from a new address: start, each question, check
        your answers, send, the confirmation."""
        self.client.cookies.clear()
        self.sent += 1
        self.client.headers["X-Real-IP"] = f"10.{PLAN['run']}.{self.number % 256}.{self.sent % 256}"
        code = self.rng.choice(PLAN["public_organisations"])
        answers = self.rng.choice(SUBMISSIONS)
        self.fetch("GET", f"/feedback/{code}/", "public: start")
        url = f"/feedback/{code}/kind/"
        for _ in range(len(answers) + 1):
            slug = url.rstrip("/").rsplit("/", 1)[-1]
            if slug not in answers:
                events.request.fire(
                    request_type="GET",
                    name="public: question",
                    response_time=0,
                    response_length=0,
                    response=None,
                    context={},
                    exception=RuntimeError(f"an unexpected question: {url}"),
                )
                return
            gevent.sleep(self.rng.uniform(1, 2))
            page = self.fetch("GET", url, "public: question")
            if page.status_code != 200:
                return
            sent = self.post_form(
                url, page.text, answers[slug], "public: answer", to=f"/feedback/{code}/"
            )
            url = urlsplit(sent.headers.get("Location", "")).path
            if sent.status_code != 302 or url.endswith("/check/"):
                break
        if not url.endswith("/check/"):
            return
        check = self.fetch("GET", url, "public: check your answers")
        gevent.sleep(self.rng.uniform(1, 3))
        done = self.post_form(url, check.text, {}, "public: send", to=f"/feedback/{code}/sent/")
        if done.status_code == 302:
            self.fetch(
                "GET",
                f"/feedback/{code}/sent/",
                "public: confirmation",
                contains="candour-reference",
            )


# --- every request's time, for bench_load.py ------------------------------------------------

RECORD = {
    "started_at": None,
    "spawned_at": None,
    "stopping_at": None,
    "stopped_at": None,
    "samples": [],
}


@events.test_start.add_listener
def started(**_):
    RECORD["started_at"] = time.time()


@events.spawning_complete.add_listener
def spawned(**_):
    RECORD["spawned_at"] = RECORD["spawned_at"] or time.time()


@events.test_stopping.add_listener
def stopping(**_):
    """The run time is over: users still in a task are stopped now, some mid-request, so
    what follows is not measured."""
    RECORD["stopping_at"] = time.time()


@events.request.add_listener
def requested(name, response_time, exception, **_):
    RECORD["samples"].append(
        (time.time(), name, round(response_time, 1), str(exception) if exception else "")
    )


@events.test_stop.add_listener
def stopped(**_):
    RECORD["stopped_at"] = time.time()
    path = os.environ.get("CANDOUR_LOAD_SAMPLES")
    if path:
        Path(path).write_text(json.dumps(RECORD))
