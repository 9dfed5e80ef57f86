"""Headless Chromium for the page's browser tests and screenshot (Debian's, via Playwright).

Playwright's own browser download cannot work offline, so the system's ``chromium`` (or the one
``GPFED_CHROMIUM`` names) is driven through ``executable_path``. Playwright is a development
dependency, imported only when a browser is launched.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# --no-sandbox: the tests run as root in containers, where Chromium's sandbox cannot start; the
# page is our own, on 127.0.0.1. The rest keep Chromium from calling home or waiting on a GPU.
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
PAGE_READY_MS = 30_000
"""How long a fresh page may take to draw its network and outcome panels."""


def chromium_executable() -> str | None:
    """Path of the Chromium to drive: ``$GPFED_CHROMIUM``, else ``chromium`` on PATH, else None."""
    return os.environ.get("GPFED_CHROMIUM") or shutil.which("chromium")


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium for the duration of the block, closed on the way out.

    Raises:
        RuntimeError: no Chromium was found (see ``scripts/ensure-chromium.sh``).
    """
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    if executable is None:
        raise RuntimeError("no Chromium: run scripts/ensure-chromium.sh or set GPFED_CHROMIUM")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=list(CHROMIUM_FLAGS)
        )
        try:
            yield browser
        finally:
            browser.close()


def wait_until_drawn(page: Page, timeout_ms: float = PAGE_READY_MS) -> None:
    """Wait until the page's network and outcome images are loaded and painted."""
    page.wait_for_function(
        """() => [".gpfed-network img", ".gpfed-plots img"].every(selector => {
            const image = document.querySelector(selector);
            return image !== null && image.complete && image.naturalWidth > 0;
        })""",
        timeout=timeout_ms,
    )
