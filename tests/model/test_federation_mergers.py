"""Federations merge when both sides gain, and members switch: consolidation follows payment.

Paired by seed over the default region: the 2019 network contract's payment (£3.26 a patient to
federations of 30,000 or more) against none. Nothing sets how many federations merge.
"""

import numpy as np
import pandas as pd

from gpfed import GPFedModel
from tests.model.test_integrated_mechanisms import assert_paired_increase

SEEDS = range(8)
QUARTERS = 24
NETWORK_PAYMENT = {
    "federation_incentive_gbp_per_patient_per_year": 3.261,
    "federation_incentive_threshold_patients": 30_000,
}


def run(seed: int, **levers) -> GPFedModel:
    return GPFedModel(rng=seed, agent_table_every=0, **levers).run(QUARTERS)


def share_in_networks(model: GPFedModel, threshold: int = 30_000) -> float:
    """Share of federated patients in federations of at least ``threshold`` patients."""
    lists = np.array([f.list_size for f in model.federations.values()], dtype=float)
    return float(lists[lists >= threshold].sum() / lists.sum()) if lists.sum() else 0.0


def test_a_threshold_network_payment_brings_federation_mergers_and_larger_networks():
    without = [run(s) for s in SEEDS]
    paid = [run(s, **NETWORK_PAYMENT) for s in SEEDS]

    def mergers(models: list[GPFedModel]) -> list[float]:
        return [float(m.to_frame()["federation_mergers"].sum()) for m in models]

    assert_paired_increase(mergers(without), mergers(paid))
    assert_paired_increase(
        [share_in_networks(m) for m in without], [share_in_networks(m) for m in paid]
    )


def test_a_merger_moves_members_and_reserves_and_conserves_money():
    model = run(0, **NETWORK_PAYMENT)
    merged = model.ledger.transfers_frame()
    merged = merged[merged["purpose"] == "federation_merger_costs"]
    assert len(merged) == model.to_frame()["federation_mergers"].sum() > 0
    assert model.ledger.total_pence() == 0
    # Every federation left is whole: connected members of one area.
    state = model.practice_state
    for federation in model.federations.values():
        assert len(set(state.area[federation.members].tolist())) == 1


def test_members_switch_to_adjacent_federations_only_when_they_reconsider():
    switching = [run(s) for s in SEEDS[:3]]
    assert sum(m.to_frame()["federation_switches"].sum() for m in switching) > 0
    still = run(0, federation_reconsider_share=0.0)
    assert still.to_frame()["federation_switches"].sum() == 0
    # Federations stay whole after switches: connected members of one area.
    for model in switching:
        state = model.practice_state
        for federation in model.federations.values():
            assert len(set(state.area[federation.members].tolist())) == 1


def test_a_switch_is_admitted_as_when_offered_unless_the_target_has_changed(monkeypatch):
    """Switches skip the admission check where the target is as it was offered: exactly.

    The same runs with every switch checked again give the same series, bit for bit, and
    the check was skipped for some switches and made for others.
    """
    checked = []
    admits = GPFedModel._admits
    monkeypatch.setattr(
        GPFedModel, "_admits", lambda self, f, i: checked.append(i) or admits(self, f, i)
    )
    skipping = [run(s, **NETWORK_PAYMENT).to_frame() for s in SEEDS[:3]]
    with_skips = len(checked)
    apply = GPFedModel._apply_switches
    monkeypatch.setattr(
        GPFedModel,
        "_apply_switches",
        lambda self, switches, offered, rng: apply(self, switches, [], rng),
    )
    checking_all = [run(s, **NETWORK_PAYMENT).to_frame() for s in SEEDS[:3]]
    assert 0 < with_skips < len(checked) - with_skips
    assert sum(int(f["federation_switches"].sum()) for f in skipping) > 0
    for skipped, checked_all in zip(skipping, checking_all, strict=True):
        pd.testing.assert_frame_equal(skipped, checked_all, check_exact=True)
