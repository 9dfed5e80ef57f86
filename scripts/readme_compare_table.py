"""Put the scenario comparison table into README.md from a `gpfed compare --out` folder.

Usage: ``python scripts/readme_compare_table.py out/figures/compare`` (run by ``make figures``):
each scenario's final-year mean of the headline outcomes with its 95% interval, from
``summary.csv``, between the README's ``compare-table`` markers.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from doc_markers import splice

README = Path(__file__).resolve().parents[1] / "README.md"
COLUMNS = (
    ("practices_open", "Practices open", "{:.0f}"),
    ("share_practices_federated", "Share federated", "{:.0%}"),
    ("integrated_population_share", "Under integrated contracts", "{:.0%}"),
    ("emergency_admissions_per_1000", "Emergency admissions per 1,000", "{:.1f}"),
    ("commissioner_spend_per_capita_gbp", "Spend per head, £", "{:,.0f}"),
    ("paid_twice_gbp", "Paid twice a quarter, £k", "{:,.0f}"),
)
SCALE = {"paid_twice_gbp": 1e-3}


def table(summary: pd.DataFrame) -> str:
    """The Markdown table: one row per scenario, mean (95% interval) per outcome."""
    lines = [
        "| Scenario | " + " | ".join(title for _, title, _ in COLUMNS) + " |",
        "|---|" + "---:|" * len(COLUMNS),
    ]
    indexed = summary.set_index(["scenario", "outcome"])
    for scenario in summary["scenario"].drop_duplicates():
        cells = []
        for outcome, _, fmt in COLUMNS:
            row = indexed.loc[(scenario, outcome)]
            scale = SCALE.get(outcome, 1.0)
            low, mean, high = (fmt.format(row[k] * scale) for k in ("ci_low", "mean", "ci_high"))
            cells.append(f"{mean} ({low} to {high})")
        lines.append(f"| `{scenario}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="a gpfed compare --out folder")
    args = parser.parse_args()
    summary = pd.read_csv(args.folder / "summary.csv")
    README.write_text(splice(README.read_text(), "compare-table", table(summary), README))
    print(f"written: {README}")


if __name__ == "__main__":
    main()
