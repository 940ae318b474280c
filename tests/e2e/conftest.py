"""Browser journeys in real Chromium, driven by Playwright for Python.

Debian's Chromium (/usr/bin/chromium) is used; Playwright never downloads a browser here.
Without a browser the journeys are skipped with the reason; with E2E_REQUIRED=1 (CI) a
missing browser is a failure. Every page visited is checked with the vendored axe-core.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

# Playwright's sync API runs an event loop in this thread; the live server's ORM calls are
# in another thread, but Django's guard also trips on fixtures we call from here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core-4.14.1" / "axe.min.js"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", "chromium"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    required = os.environ.get("E2E_REQUIRED") == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - dev requirements install it
        if required:
            pytest.fail("E2E_REQUIRED=1 but the playwright package is not installed")
        pytest.skip("playwright is not installed: browser journeys skipped")
    if path is None:
        if required:
            pytest.fail("E2E_REQUIRED=1 but no Chromium was found (apt-get install chromium)")
        pytest.skip("No Chromium found (apt-get install chromium): browser journeys skipped")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    # bypass_csp lets axe-core be injected into pages that forbid inline scripts.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    context.close()


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", "--quiet", "--force")
    return settings.DEMO_PASSWORD_DEFAULT


def login(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def check_accessibility(page, name: str = "") -> None:
    """No serious or critical axe-core violations on the current page."""
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    if bad:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"axe-{name or 'page'}.png"), full_page=True)
    assert not bad, "Accessibility violations on {}: {}".format(
        page.url,
        "; ".join(
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + ", ".join(n["target"][0] for n in v["nodes"][:3])
            for v in bad
        ),
    )
    assert not page.errors, f"JavaScript errors on {page.url}: {page.errors}"
