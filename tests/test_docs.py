"""docs/ODD.md stays true to the code: its parameter table is the spec's."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_odd_parameter_table_is_current():
    script = REPO / "scripts" / "odd_parameter_table.py"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
