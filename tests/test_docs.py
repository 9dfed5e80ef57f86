"""Generated text stays true to the code: ODD.md's parameter table, VALIDATION.md's calibration,
the typed Levers class generated from the parameter spec."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("script", ["odd_parameter_table.py", "levers_class.py"])
def test_generated_text_is_current(script):
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / script), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_validation_doc_shows_the_stored_calibration():
    script = REPO / "scripts" / "validation_doc.py"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
