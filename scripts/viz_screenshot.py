"""Screenshot of the browser page for the README: docs/img/viz.png by default.

Starts the page's server on a free port, opens it in headless Chromium, runs the King's Fund 2014
scenario for twelve quarters (so federations and contracts show) and saves the whole page.

    python scripts/viz_screenshot.py [OUT.png]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from gpfed.viz.headless import chromium, wait_until_drawn
from gpfed.viz.server import running_server

SCENARIO = "kings_fund_2014"
QUARTERS = 12
VIEWPORT = {"width": 1600, "height": 1400}  # tall enough for the whole page


def main(out: Path) -> None:
    started = time.perf_counter()
    with running_server() as url, chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(url)
        wait_until_drawn(page)
        page.locator(".v-input", has_text="policy scenario").locator(".v-select__slot").click()
        page.get_by_role("option", name=SCENARIO).click()
        page.get_by_role("button", name="Reset", exact=True).click()
        page.get_by_text(f"{SCENARIO}:").wait_for()
        for quarter in range(1, QUARTERS + 1):
            page.get_by_role("button", name="Step", exact=True).click()
            page.get_by_text(f"Time: {quarter:.1f}").wait_for()
        wait_until_drawn(page)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
    print(f"wrote {out} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/img/viz.png"))
