"""Browser tests: the system Chromium driven by Playwright against a live server.

Skipped with a notice where no Chromium is found; with RAISON_REQUIRE_BROWSER=1
(set by CI) a missing Chromium fails the run instead.

Every page a test opens fails the test if it logged a Content-Security-Policy violation,
raised a JavaScript error, or got a 5xx answer from the server.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

# The sync Playwright API runs an event loop in this thread; Django would refuse its
# ORM calls from the live server's test setup without this (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("RAISON_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
CSP_VIOLATION = re.compile(r"Refused to|Content Security Policy", re.IGNORECASE)
PASSWORD = "raison-demo"


def _browser_required() -> bool:
    return os.environ.get("RAISON_REQUIRE_BROWSER", "").lower() in ("1", "true", "yes")


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if _browser_required():
        return  # the browser fixture fails loudly instead of skipping
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: browser tests skipped (apt-get install chromium)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser(request):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"RAISON_REQUIRE_BROWSER is set but no Chromium was found at {CHROMIUM}")
    from playwright.sync_api import expect, sync_playwright

    # Auto-waiting assertions: generous enough for 2 shared cores, short enough to fail fast.
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        # Playwright promises nothing for a Chromium it did not ship: say which one ran.
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print(f"\nChromium {browser.version} ({CHROMIUM}) driven by Playwright")
        yield browser
        browser.close()


class PageProblems:
    """CSP violations, page errors and server errors a page met while a test drove it."""

    def __init__(self):
        self.messages: list[str] = []

    def record(self, message) -> None:
        if message.type in ("error", "warning") and CSP_VIOLATION.search(message.text):
            self.messages.append(message.text)

    def collect_from(self, page) -> None:
        """Violations the page's own listener saw (after letting pending events arrive)."""
        if page.is_closed():
            return
        try:
            page.wait_for_timeout(50)
            seen = page.evaluate("() => window.__cspViolations || []")
        except Exception:
            return
        # The console message and the DOM event describe the same violation: keep one.
        if seen and not any(CSP_VIOLATION.search(m) for m in self.messages):
            self.messages.extend(seen)

    def record_page_error(self, error) -> None:
        self.messages.append(f"page error: {error}")

    def record_response(self, response) -> None:
        if response.status >= 500:
            self.messages.append(f"server error {response.status} on {response.request.method} {response.url}")


@pytest.fixture
def page_problems():
    return PageProblems()


@pytest.fixture
def new_page(browser, live_server, page_problems):
    """Open a page in a fresh browser context (its own cookies: its own signed-in person)."""
    contexts, pages = [], []

    def open_page(locale: str = "en-GB"):
        context = browser.new_context(base_url=live_server.url, locale=locale, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        # Violations are also collected in the page itself, from the DOM event: a swap's
        # violation is reported asynchronously and may reach the console after the test.
        context.add_init_script(
            "window.__cspViolations = [];"
            "document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push("
            "'CSP violation: ' + e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') + ' ' + e.sample));"
        )
        page = context.new_page()
        pages.append(page)
        page.on("console", page_problems.record)
        page.on("pageerror", page_problems.record_page_error)
        page.on("response", page_problems.record_response)
        return page

    yield open_page
    for page in pages:
        page_problems.collect_from(page)
    for context in contexts:
        context.close()
    assert not page_problems.messages, f"the page logged CSP violations or errors: {page_problems.messages}"


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def demo(transactional_db):
    from alignment.demo import load_demo

    load_demo("en")


@pytest.fixture(autouse=True)
def _engine_in_process():
    """The browser scenarios read flags right after each action, so the engine runs
    in-process here even when the run has a broker; tests/alignment/test_worker.py
    proves the same live path through a real worker on Redis."""
    from raison.celery import app as celery_app

    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    page.get_by_label(re.compile("user ?name|nom d.utilisateur|identifiant", re.I)).fill(username)
    page.get_by_label(re.compile("password|mot de passe", re.I)).fill(password)
    page.get_by_role("button", name=re.compile("sign in|se connecter|log in|connexion", re.I)).click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    expect(page.locator("form.signout-form")).to_be_visible()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    # caret="initial": hiding the caret leaves style="" on inputs, which htmx then settles
    # onto swapped-in elements, and the strict CSP (rightly) refuses that inline style.
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, caret="initial")


def settled(page) -> None:
    """Wait until htmx has finished swapping and settling: new content gets its hx-*
    behaviour only then, and a key pressed earlier would submit the form the plain way."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def mark_document(page) -> None:
    """Tag the current document, so same_document() can tell an htmx swap from a full load."""
    page.evaluate("window.__raisonDocument = 'still here'")


def same_document(page) -> bool:
    return page.evaluate("window.__raisonDocument === 'still here'")
