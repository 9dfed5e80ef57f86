"""Generated text stays true to the code: ODD.md's parameter table, VALIDATION.md's calibration,
the typed Levers class generated from the parameter spec."""

import inspect
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


def who_decides_rows() -> tuple[list[list[str]], list[list[str]]]:
    """The ODD's "who decides what" table and its institutions table, as cells."""
    text = (REPO / "docs" / "ODD.md").read_text()
    section = text.split("### Who decides what", 1)[1].split("\n## ", 1)[0]
    decisions, institutions = [], []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if (
            not line.startswith("|")
            or set(cells[0]) <= {"-"}
            or cells[0] in {"decision", "institution"}
        ):
            continue
        (decisions if len(cells) == 6 else institutions).append(cells)
    return decisions, institutions


def test_every_decision_in_the_odd_table_is_one_method_and_every_method_is_in_it():
    import gpfed.agents.patients as patients
    from gpfed.agents import Commissioner, Federation, Practice, Trust

    classes = {"Practice": Practice, "Federation": Federation, "Trust": Trust}
    classes["Commissioner"] = Commissioner
    decisions, _ = who_decides_rows()
    named = []
    for decision, agent, method, *_ in decisions:
        name = method.split("`")[1]
        named.append(name)
        if agent == "Patients":
            target = patients
            for attribute in name.removeprefix("gpfed.agents.patients.").split("."):
                target = getattr(target, attribute)
            assert callable(target), decision
        else:
            cls_name, attribute = name.split(".")
            assert cls_name == agent, decision
            method = getattr(classes[agent], attribute)
            assert inspect.ismethod(method) and method.__self__ is classes[agent], decision
    assert len(named) == len(set(named)), "a method is named for two decisions"
    # Every decision a class declares (its class methods) is in the table.
    declared = {
        f"{name}.{attribute}"
        for name, cls in classes.items()
        for attribute, value in vars(cls).items()
        if isinstance(value, classmethod)
    }
    assert declared <= set(named)


def test_every_institution_module_is_in_the_odd_table_once():
    _, institutions = who_decides_rows()
    modules = [row[1].strip("`") for row in institutions]
    assert len(modules) == len(set(modules))
    on_disk = {
        f"gpfed/institutions/{p.name}"
        for p in (REPO / "gpfed" / "institutions").glob("*.py")
        if p.name != "__init__.py"
    }
    assert set(modules) == on_disk
