"""The command line: outputs of a run, and bad input as one line with exit status 2."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from gpfed.parameters import SPEC
from gpfed.scenarios import fitted_values

# Each test starts the CLI in a fresh interpreter (~1-2 s of imports).
pytestmark = pytest.mark.slow


def gpfed(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gpfed.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_run_writes_series_tables_and_plot(tmp_path):
    result = gpfed(
        "run",
        "--steps",
        "4",
        "--seed",
        "3",
        "--set",
        "n_practices=50",
        "--set",
        "mret_marginal_rate=2013Q2:0.3,2014Q1:0.5",
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert "practices open" in result.stdout and "2013Q2 to 2014Q1" in result.stdout
    series = pd.read_csv(tmp_path / "series.csv")
    assert len(series) == 5 and series["practices_open"].iloc[0] == 50
    for name in ("practices", "trusts", "commissioners", "ledger_by_purpose"):
        assert (tmp_path / f"{name}.csv").stat().st_size > 0
    assert (tmp_path / "panel.png").read_bytes()[:4] == b"\x89PNG"
    assert '"mret_marginal_rate": {' in (tmp_path / "params.json").read_text()


def test_a_run_is_on_the_calibrated_point_estimate_unless_asked_otherwise(tmp_path):
    calibrated = fitted_values()
    for calibration, expected in (("point", calibrated), ("none", {})):
        out = tmp_path / calibration
        result = gpfed(
            "run", "--steps", "1", "--set", "n_practices=30", "--calibration", calibration,
            "--quiet", "--out", str(out),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        params = json.loads((out / "params.json").read_text())["params"]
        for name in calibrated:
            assert params[name] == expected.get(name, SPEC[name].default), name


def test_parquet_output(tmp_path):
    result = gpfed(
        "run",
        "--steps",
        "2",
        "--set",
        "n_practices=30",
        "--format",
        "parquet",
        "--quiet",
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 0 and result.stdout == ""
    assert len(pd.read_parquet(tmp_path / "series.parquet")) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "federation_incentve=3"], "no parameter 'federation_incentve'"),
        (["--set", "n_practices=5"], "n_practices = '5' practices; allowed 10 to 20000"),
        (["--set", "hospital_payment=pbrr"], "did you mean 'pbr'"),
        (["--set", "n_practices"], "write NAME=VALUE"),
        (["--set", "mret_marginal_rate=lots"], "expected float"),
        (["--preset", "wales"], "preset = 'wales'"),
        (["--scenario", "nope"], "no scenario 'nope'"),
        (["--format", "xlsx"], "--format = 'xlsx'"),
        (["--steps", "0"], "--steps"),
        (["--seed", "-1"], "--seed"),
        (["--calibration", "posterior"], "--calibration = 'posterior'; allowed 'point' or 'none'"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(args, message, tmp_path):
    result = gpfed("run", "--out", str(tmp_path / "never"), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "never").exists()


def test_scenarios_and_params_listings():
    scenarios = gpfed("scenarios")
    assert scenarios.returncode == 0 and "status_quo" in scenarios.stdout
    listing = gpfed("params", "--group", "behaviour")
    assert "exit_quarters = 4" in listing.stdout and "allowed: 1 to 40" in listing.stdout
    assert gpfed("params", "--group", "nope").returncode == 2


def test_help_reads_well():
    result = gpfed("run", "--help")
    assert result.returncode == 0
    assert "--set" in result.stdout and "Quarters to simulate" in result.stdout


def test_viz_serves_on_loopback_by_default_and_refuses_a_bad_port():
    help_text = gpfed("viz", "--help").stdout
    assert "--host" in help_text and "127.0.0.1" in help_text and "--port" in help_text
    result = gpfed("viz", "--port", "0")
    assert result.returncode == 2 and "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_run_shorter_than_agent_table_every_writes_empty_tables(tmp_path):
    # England collects agent tables yearly: two quarters collect no federation row at all.
    result = gpfed("run", "--preset", "england", "--steps", "2", "--quiet", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    federations = pd.read_csv(tmp_path / "federations.csv")
    assert federations.empty and {"step", "agent_id"} <= set(federations.columns)
    assert len(pd.read_csv(tmp_path / "series.csv")) == 3


def test_agent_tables_switched_off_write_empty_tables(tmp_path):
    args = ["--set", "n_practices=30", "--set", "agent_table_every=0", "--steps", "2"]
    result = gpfed("run", *args, "--format", "parquet", "--quiet", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for name in ("practices", "trusts", "commissioners", "federations"):
        assert pd.read_parquet(tmp_path / f"{name}.parquet").empty


@pytest.mark.parametrize("command", [["run"], ["compare", "status_quo"]])
def test_more_quarters_than_the_horizon_allows_are_refused(command, tmp_path):
    result = gpfed(*command, "--steps", "100000000000", "--out", str(tmp_path / "never"))
    assert result.returncode == 2
    assert result.stderr == "error: --steps = 100000000000; allowed 1 to 400\n"
    assert not (tmp_path / "never").exists()


def test_an_output_folder_under_a_file_is_refused_before_running(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("keep\n")
    result = gpfed("run", "--set", "n_practices=30", "--steps", "1", "--out", str(a_file / "sub"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: --out = '{a_file / 'sub'}' lies under the file")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert a_file.read_text() == "keep\n"


def test_a_binary_sweep_file_is_one_line(tmp_path):
    spec = tmp_path / "sweep.toml"
    spec.write_bytes(bytes(range(128, 256)))
    result = gpfed("sweep", str(spec), "--out", str(tmp_path / "never"))
    assert result.returncode == 2
    assert "is not UTF-8 text" in result.stderr and "allowed a TOML text file" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "never").exists()


def test_a_panel_that_cannot_be_written_is_one_line_and_the_tables_are_written(tmp_path):
    """The panel is drawn in a process of its own; its failure reaches the user as one line."""
    (tmp_path / "panel.png").mkdir()  # a folder where the picture should go
    result = gpfed("run", "--steps", "2", "--set", "n_practices=30", "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith("error: --out = ")
    assert "panel could not be drawn" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert (tmp_path / "series.csv").exists()


def test_a_run_that_fails_leaves_no_drawer_behind(tmp_path):
    """Bad input ends the run before any series: the drawer started for it is stopped."""
    result = gpfed("run", "--set", "n_practices=5", "--out", str(tmp_path))
    assert result.returncode == 2
    drawers = subprocess.run(
        ["pgrep", "-f", f"gpfed.plots {tmp_path}"], capture_output=True, text=True
    )
    assert drawers.stdout == ""
    assert not (tmp_path / "panel.png").exists()


def test_the_command_still_runs_exit_handlers_after_a_run(tmp_path):
    # The command freezes what is left instead of tearing it down; a profiler's report or a
    # Dask cluster's shutdown (exit handlers) must still run.
    code = (
        "import atexit, sys; atexit.register(lambda: print('handler ran'));"
        f"sys.argv = ['gpfed', 'run', '--steps', '2', '--set', 'n_practices=30', "
        f"'--out', {str(tmp_path)!r}, '-q'];"
        "from gpfed.cli import console; console()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "handler ran"
    assert (tmp_path / "panel.png").read_bytes()[:4] == b"\x89PNG"
