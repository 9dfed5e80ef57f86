"""The docs stay true to the code: ODD.md's parameter table, VALIDATION.md's calibration."""

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


def test_validation_doc_shows_the_stored_calibration():
    script = REPO / "scripts" / "validation_doc.py"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
