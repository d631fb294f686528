"""Browser tests: Playwright for Python driving Debian's Chromium against a live server.

- `page`: a fresh browser context and page on pytest-django's `live_server` (a real server
  thread on the test database; the tests are transactional). The page keeps the site's
  content security policy switched on and fails the test if the browser refuses anything
  under it or reports a page error.
- `sign_in_through_pages(page, user)`: the real sign-in pages, password then the TOTP code.
- `check_accessibility(page)`: axe-core (npm devDependency, injected from node_modules) at
  the WCAG 2.2 AA tags; zero violations, each one printed with its nodes' selectors.
- `screenshot(page, name)`: a full-page PNG at docs/screenshots/<name>.png, written only
  when CANDOUR_SCREENSHOTS=1 (so that an ordinary run does not rewrite committed files).

Chromium comes from Debian (`apt-get install chromium`; .ci/run installs it). Where there is
no Chromium the tests here are skipped with the reason, except under
CANDOUR_BROWSER_TESTS=required (.ci/run), where that is an error.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.conf import settings

from candour.organisations import two_factor

CHROMIUM = os.environ.get("CANDOUR_CHROMIUM", "/usr/bin/chromium")
AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
PASSWORD = "correct horse battery"  # tests/conftest.py user()
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - the test extras install it
    expect = sync_playwright = None


def _why_not() -> str | None:
    if sync_playwright is None:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)"
    if not AXE_JS.exists():
        return f"axe-core is not installed at {AXE_JS} (npm ci)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _why_not()
    if reason is None:
        return
    if os.environ.get("CANDOUR_BROWSER_TESTS") == "required":  # .ci/run sets it
        raise pytest.UsageError(f"browser tests are required here but cannot run: {reason}")
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


@pytest.fixture(scope="session")
def browser():
    # Playwright's synchronous API keeps an asyncio loop on this thread, which makes Django
    # refuse ORM calls from the test itself ("cannot call this from an async context")
    # although nothing here is async. Only this process's tests are affected.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()


class BrowserProblems(list):
    """Console errors (a refused script or style, a missing file) and page errors."""


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems = BrowserProblems()
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.problems = problems
    yield tab
    context.close()
    # A 4xx page logs "Failed to load resource" for itself; the tests assert statuses.
    real = [p for p in problems if "Failed to load resource" not in p]
    assert not real, f"the browser reported problems: {real}"


def _fresh_code(user) -> str:
    """A TOTP code the server will accept now. Codes are single use, so if this device
    already used the current 30-second step, give the next one (django-otp accepts one step
    of drift either way)."""
    device = two_factor.confirmed_device(user)
    now = time.time()
    step = int((now - device.t0) // device.step)
    if device.last_t is not None and device.last_t >= step:
        now += device.step
    return two_factor.current_code(device, now)


def sign_in_through_pages(page, user, password: str = PASSWORD, next_url: str = "/"):
    """Sign `user` in with the real pages. Gives them the demo TOTP device if they have none."""
    two_factor.ensure_device(user, two_factor.DEMO_KEY)
    page.goto(f"/sign-in/?next={next_url}")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Enter your security code").fill(_fresh_code(user))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_url}")
    return page


def check_accessibility(page, what: str = "") -> None:
    """Run axe-core on the page as it is now; fail listing every WCAG 2.2 AA violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, so the page's CSP stays as it is.
        page.evaluate(AXE_JS.read_text())
    result = page.evaluate(
        # resultTypes: only the violations are wanted, so axe-core skips detailing the rest.
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_22_AA,
    )
    violations = result["violations"]
    if violations:
        lines = [f"axe-core found {len(violations)} violation(s) on {what or page.url}:"]
        for v in violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
            for node in v["nodes"]:
                lines.append(f"    {' '.join(map(str, node['target']))}")
        pytest.fail("\n".join(lines), pytrace=False)


def resize(page, width: int, height: int = 800) -> None:
    """Change the window's size as a user turning a tablet or narrowing a window does, and
    wait for the frame after it: the NHS.UK header lays its navigation out again on the next
    animation frame after a resize, so the page is measured as the user then sees it."""
    page.set_viewport_size({"width": width, "height": height})
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def screenshot(page, name: str) -> Path | None:
    """Save a full-page PNG under docs/screenshots/ when CANDOUR_SCREENSHOTS=1."""
    if os.environ.get("CANDOUR_SCREENSHOTS") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


def check_page(page, name: str, *, keep_screenshot: bool = True) -> None:
    """What every page in these tests gets: axe-core, then (for the main pages, to keep the
    committed set small) its screenshot."""
    check_accessibility(page, name)
    if keep_screenshot:
        screenshot(page, name)


WIDER_THAN_THE_SCREEN = "() => document.documentElement.scrollWidth > window.innerWidth"


def at_both_widths(page, name: str, *, keep_screenshot: bool = False) -> None:
    """The page as it is now fits the screen (no sideways scrolling) and passes axe-core at
    1280 and at 390 pixels wide (with the screenshot of each, for a main page); then it is
    back at 1280."""
    for width in (1280, 390):
        resize(page, width)
        assert not page.evaluate(WIDER_THAN_THE_SCREEN), f"{name} is wider than {width} px"
        shown = name if width == 1280 else f"{name}-on-a-phone"
        check_page(page, shown, keep_screenshot=keep_screenshot)
    resize(page, 1280)
