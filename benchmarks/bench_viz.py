"""Benchmark of the browser page: how long a Step of the default region takes.

What it measures:

1. **Server side, no browser.** The page's work per Step on the default region (200 practices)
   under ``kings_fund_2014`` (federations forming, contracts from 2015): ``model.step()``, then
   the network and the outcome panels drawn and encoded as PNG, as the page's components do.
   Each repeat (seeds 1, 2, ...) builds a fresh model and times ``--quarters`` steps; the
   median and 90th percentile over every step of every repeat are reported.
2. **In the browser.** The real server (``gpfed viz`` on a free port of 127.0.0.1) in headless
   Chromium: the time from opening the page until the network and plots are drawn, and from a
   click on Step until the step counter shows the next quarter and the new images are painted.
   Skipped, with the reason printed, when Chromium or Playwright is missing.

Targets: a Step under 0.3 s server side (issue 18), and a Step click to the page updated under
one second in Chromium (the figure a user feels); the model's step alone is the reference.
Results are printed as Markdown and written to ``out/bench/bench_viz.json``.

Usage::

    python benchmarks/bench_viz.py [--repeats N] [--quarters N]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from machine import machine  # noqa: E402  (benchmarks/ is the script folder)

from gpfed.viz import build_model  # noqa: E402
from gpfed.viz.charts import draw_outcomes  # noqa: E402
from gpfed.viz.network import NetworkGeometry, draw_network  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OUT_FILE = REPO / "out" / "bench" / "bench_viz.json"
SCENARIO = "kings_fund_2014"
TARGET_STEP_S = 1.0
TARGET_SERVER_STEP_S = 0.3


def _png(figure: Any) -> None:
    figure.savefig(io.BytesIO(), format="png")


def server_side(repeats: int, quarters: int) -> dict[str, float]:
    """Seconds per Step: the model's step and both pictures drawn to PNG."""
    steps, draws, totals = [], [], []
    for seed in range(1, repeats + 1):
        model = build_model(SCENARIO, seed=seed)
        geometry = NetworkGeometry.of(model)
        for _ in range(quarters):
            started = time.perf_counter()
            model.step()
            stepped = time.perf_counter()
            _png(draw_network(model, geometry))
            _png(draw_outcomes(model))
            finished = time.perf_counter()
            steps.append(stepped - started)
            draws.append(finished - stepped)
            totals.append(finished - started)
    return {
        "model_step_median_s": statistics.median(steps),
        "draw_median_s": statistics.median(draws),
        "step_and_draw_median_s": statistics.median(totals),
        "step_and_draw_p90_s": float(np.percentile(totals, 90)),
        "samples": len(totals),
    }


def in_browser(quarters: int) -> dict[str, Any]:
    """Page ready and Step click-to-update times in headless Chromium, or why not measured."""
    from gpfed.viz.headless import chromium, chromium_executable, wait_until_drawn
    from gpfed.viz.server import running_server

    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return {"skipped": "playwright is not installed (pip install -e '.[dev]')"}
    if chromium_executable() is None:
        return {"skipped": "no chromium (scripts/ensure-chromium.sh)"}
    with running_server() as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1600, "height": 1400})
        started = time.perf_counter()
        page.goto(url)
        wait_until_drawn(page)
        ready = time.perf_counter() - started
        clicks = []
        for quarter in range(1, quarters + 1):
            started = time.perf_counter()
            page.get_by_role("button", name="Step", exact=True).click()
            page.get_by_text(f"Time: {quarter:.1f}").wait_for()
            wait_until_drawn(page)
            clicks.append(time.perf_counter() - started)
    return {
        "page_ready_s": ready,
        "step_click_median_s": statistics.median(clicks),
        "step_click_p90_s": float(np.percentile(clicks, 90)),
        "step_click_max_s": max(clicks),
        "samples": len(clicks),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="models (seeds) server side")
    parser.add_argument("--quarters", type=int, default=12, help="Steps per model and in browser")
    args = parser.parse_args()
    build_model(SCENARIO, seed=0).step()  # warm-up: lazy imports, font cache
    server = server_side(args.repeats, args.quarters)
    browser = in_browser(args.quarters)
    print(f"## Browser page, default region, {SCENARIO} (target: a Step under {TARGET_STEP_S} s)")
    print()
    print("| measure | median | p90 | ratio to target |")
    print("|---|---:|---:|---:|")
    print(f"| model step alone | {server['model_step_median_s'] * 1e3:.1f} ms | | |")
    print(f"| both pictures drawn to PNG | {server['draw_median_s'] * 1e3:.0f} ms | | |")
    total, p90 = server["step_and_draw_median_s"], server["step_and_draw_p90_s"]
    print(
        f"| server side per Step | {total * 1e3:.0f} ms | {p90 * 1e3:.0f} ms | "
        f"{total / TARGET_STEP_S:.2f} |"
    )
    if "skipped" in browser:
        print(f"\nIn the browser: not measured ({browser['skipped']}).")
    else:
        click, click_p90 = browser["step_click_median_s"], browser["step_click_p90_s"]
        print(
            f"| Step click to page updated (Chromium) | {click:.2f} s | {click_p90:.2f} s | "
            f"{click / TARGET_STEP_S:.2f} |"
        )
        print(f"| page ready after opening | {browser['page_ready_s']:.2f} s | | |")
        verdict = "PASS" if click < TARGET_STEP_S else "MISS"
        print(f"\nTarget (median Step click under {TARGET_STEP_S} s): {verdict}")
    reference = f"model step alone {server['model_step_median_s'] * 1e3:.0f} ms"
    targets = [
        {
            "figure": "a Step of the default region, server side (model step and both pictures)",
            "measured": f"{total:.3f} s",
            "target": f"< {TARGET_SERVER_STEP_S:g} s",
            "result": "PASS" if total < TARGET_SERVER_STEP_S else "MISS",
            "reference": reference,
        }
    ]
    if "skipped" not in browser:
        targets.append(
            {
                "figure": "Step click to page updated, headless Chromium",
                "measured": f"{click:.2f} s",
                "target": f"< {TARGET_STEP_S:g} s",
                "result": "PASS" if click < TARGET_STEP_S else "MISS",
                "reference": reference,
            }
        )
    OUT_FILE.parent.mkdir(parents=True, exist_ok=True)
    OUT_FILE.write_text(
        json.dumps(
            {"machine": machine(), "server": server, "browser": browser, "targets": targets},
            indent=2,
        )
        + "\n"
    )
    print(f"\nwritten: {OUT_FILE.relative_to(REPO)}")


if __name__ == "__main__":
    main()
