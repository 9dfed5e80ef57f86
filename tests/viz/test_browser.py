"""The real page in headless Chromium: ``python -m gpfed.viz`` on a free port of 127.0.0.1.

Needs Debian's chromium (``scripts/ensure-chromium.sh``): without it these tests skip, except
under CI (``CI=true``), where they fail. Screenshots go to out/test-artifacts/viz/.
"""

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from gpfed.viz.headless import chromium, chromium_executable, wait_until_drawn
from gpfed.viz.server import running_server

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "out" / "test-artifacts" / "viz"
VIEWPORT = {"width": 1600, "height": 1400}
STEP_MS = 10_000  # a Step takes about a second here; generous for a loaded CI machine


@dataclass
class Session:
    """A page opened in its own browser context, as a new visitor's."""

    page: "Page"
    ready_s: float
    outside_requests: list[str]


def _no_browser(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI the browser tests must run")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _no_browser("playwright is not installed (pip install -e '.[dev]')")
    if chromium_executable() is None:
        _no_browser("no chromium on PATH: run scripts/ensure-chromium.sh (or set GPFED_CHROMIUM)")
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def url():
    with running_server() as address:
        yield address


@pytest.fixture
def open_page(browser, url, request):
    """Open the page in a fresh browser context (a new session); screenshot it at the end."""
    contexts = []

    def opening():
        context = browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        page = context.new_page()
        outside = []
        page.on("request", lambda r: outside.append(r.url) if _is_outside(r.url, url) else None)
        started = time.perf_counter()
        page.goto(url)
        wait_until_drawn(page)
        return Session(page, time.perf_counter() - started, outside)

    yield opening
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for index, context in enumerate(contexts):
        for page in context.pages:
            page.screenshot(path=ARTIFACTS / f"{request.node.name}-{index}.png")
        context.close()


def _is_outside(address: str, page_url: str) -> bool:
    parts = urlsplit(address)
    return (
        parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != urlsplit(page_url).netloc
    )


def _steps(page) -> str:
    return page.get_by_text(re.compile(r"^Time: ")).inner_text()


def _figure(page, css_class: str) -> bytes:
    return page.locator(f".{css_class} img").screenshot()


def _step(page, expected: int) -> float:
    started = time.perf_counter()
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text(f"Time: {expected:.1f}").wait_for(timeout=STEP_MS)
    wait_until_drawn(page)
    return time.perf_counter() - started


def test_page_loads_offline_and_draws_the_network(open_page):
    session = open_page()
    page = session.page
    assert session.ready_s < 30
    assert session.outside_requests == []
    assert _steps(page) == "Time: 0.0"
    network = page.locator(".gpfed-network img")
    box = network.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 300
    assert page.get_by_role("button", name="federation", exact=True).is_visible()
    assert page.get_by_text("status_quo:").is_visible()
    page.get_by_role("button", name="contract", exact=True).click()
    page.wait_for_function(
        "src => document.querySelector('.gpfed-network img').src !== src",
        arg=network.get_attribute("src"),
    )


def test_step_advances_the_counter_and_changes_the_plots(open_page):
    page = open_page().page
    plots = _figure(page, "gpfed-plots")
    elapsed = _step(page, 1)
    assert elapsed < STEP_MS / 1000
    assert _steps(page) == "Time: 1.0"
    assert _figure(page, "gpfed-plots") != plots


def test_another_scenario_and_seed_on_reset_change_the_model(open_page):
    page = open_page().page
    network = _figure(page, "gpfed-network")
    page.locator(".v-input", has_text="policy scenario").locator(".v-select__slot").click()
    page.get_by_role("option", name="kings_fund_2014").click()
    seed = page.get_by_label("seed (whole number, 0 or more)")
    seed.fill("7")
    seed.press("Enter")
    _step(page, 1)
    page.get_by_role("button", name="Reset", exact=True).click()
    page.get_by_text("kings_fund_2014:").wait_for(timeout=STEP_MS)
    wait_until_drawn(page)
    assert _steps(page) == "Time: 0.0"
    assert _figure(page, "gpfed-network") != network  # seed 7 draws another world


def test_two_sessions_do_not_share_a_model(open_page):
    first, second = open_page().page, open_page().page
    _step(first, 1)
    _step(first, 2)
    assert _steps(second) == "Time: 0.0"
    _step(second, 1)
    assert (_steps(first), _steps(second)) == ("Time: 2.0", "Time: 1.0")
