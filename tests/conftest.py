import pytest

from gpfed import GPFedModel


@pytest.fixture(scope="session")
def small_run() -> GPFedModel:
    """A small region run shared by read-only tests (12 quarters)."""
    return GPFedModel(
        rng=7, n_practices=80, n_commissioners=2, n_trusts=3, agent_table_every=1
    ).run(12)
