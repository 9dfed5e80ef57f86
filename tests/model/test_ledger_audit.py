"""The ledger against an independent account of what each rule says it paid, every quarter.

The ledger is double entry, so its total can never drift; these tests check instead that what
moved through it is what the rules say should move: allocations, the global sum, practice
expenses and trust costs recomputed from the state by hand; and that the figures kept beside the
ledger (practices' income, commissioners' spend) are exactly the money the ledger moved.
"""

import numpy as np
import pandas as pd
import pytest

from gpfed import GPFedModel
from gpfed.world.costs import band_expenses_gbp_per_patient_per_year
from gpfed.world.ledger import TREASURY

# Pence rounding: each payment is rounded to the penny, the figures beside the ledger are not.
PENNY_PER_PAYMENT_GBP = 0.005
CONTRACTS_LET = {
    "gp_contract_regime": "mandatory",
    "federation_sharing_rule": "performance",
    "procurements_at_once": 20,
    "procurement_quarters": 1,
    "trusts_may_bid": False,
}
"""A small world where commissioners procure every lot at once and federations win contracts, so
members keep part of their saving and make effort."""


def audited_run(monkeypatch, quarters: int, **values) -> tuple[GPFedModel, list[dict]]:
    """Run with a spy that keeps the state each quarter's core payments start from."""
    seen: list[dict] = []
    original = GPFedModel._stage_core_payments

    def spy(model):
        state = model.practice_state
        seen.append(
            {
                "step": model.ledger.step,
                "levers": model.levers,
                "lists": (state.list_size * state.is_open).astype(float),
                "need": state.need_weight.copy(),
                "partners": state.partners.copy(),
                "efficiency": state.cost_efficiency.copy(),
                "area": state.area.copy(),
                "effort": state.care_effort.copy(),
                "vacancies": state.vacancies.copy(),
                "trust_fixed_costs": model.trust_state.fixed_cost_gbp.copy(),
            }
        )
        original(model)
        seen[-1]["trust_costs"] = model.trust_state.costs_gbp.copy()
        seen[-1]["emergency"] = model.trust_state.emergency_admissions.copy()
        seen[-1]["elective"] = model.trust_state.elective_admissions.copy()
        seen[-1]["income"] = state.income_gbp.copy()
        seen[-1]["spend"] = model.commissioner_state.spend_gbp.copy()

    monkeypatch.setattr(GPFedModel, "_stage_core_payments", spy)
    model = GPFedModel(rng=4, n_practices=90, agent_table_every=0, **values).run(quarters)
    return model, seen


def paid(transfers: pd.DataFrame, step: int, purpose: str) -> float:
    rows = transfers[(transfers["step"] == step) & (transfers["purpose"] == purpose)]
    return float(rows["amount_gbp"].sum())


@pytest.mark.parametrize("regime", ["gms", "competitive"])
def test_core_payments_are_what_the_rules_say(monkeypatch, regime):
    model, seen = audited_run(monkeypatch, 8, gp_contract_regime=regime)
    assert len(seen) == 8
    transfers = model.ledger.transfers_frame()
    for quarter in seen:
        step, levers, lists = quarter["step"], quarter["levers"], quarter["lists"]
        allocation = levers.commissioner_allocation_gbp_per_head_per_year * lists.sum() / 4
        assert paid(transfers, step, "allocation") == pytest.approx(allocation, abs=1.0)
        global_sum = levers.global_sum_gbp_per_weighted_patient * (lists * quarter["need"]).sum()
        assert paid(transfers, step, "global_sum") == pytest.approx(global_sum / 4, abs=1.0)
        # Expenses grow from the first quarter (ledger step 1: no growth yet).
        growth = (1 + levers.practice_expense_growth_per_year) ** ((step - 1) / 4)
        expenses = (
            band_expenses_gbp_per_patient_per_year(quarter["partners"])
            * quarter["efficiency"]
            * growth
            * lists
            / 4
        ).sum()
        assert paid(transfers, step, "practice_expenses") == pytest.approx(expenses, abs=1.0)
        trusts = model.trust_state
        costs = (
            quarter["trust_fixed_costs"]
            + trusts.emergency_cost_gbp * quarter["emergency"]
            + trusts.elective_cost_gbp * quarter["elective"]
        ).sum()
        assert paid(transfers, step, "trust_costs") == pytest.approx(costs, abs=1.0)


def test_practice_income_is_the_gms_the_ledger_paid_each_practice(monkeypatch):
    model, seen = audited_run(monkeypatch, 6, gp_contract_regime="competitive")
    transfers = model.ledger.transfers_frame()
    gms = {"global_sum", "mpig", "qof", "seniority", "enhanced_services", "reimbursements"}
    accounts = model.accounts.practice
    for quarter in seen:
        rows = transfers[(transfers["step"] == quarter["step"]) & transfers["purpose"].isin(gms)]
        received = rows.groupby("payee")["amount_gbp"].sum().reindex(accounts, fill_value=0.0)
        np.testing.assert_allclose(
            received.to_numpy(), quarter["income"], atol=len(gms) * PENNY_PER_PAYMENT_GBP
        )


def test_commissioner_spend_is_the_money_that_left_its_account(monkeypatch):
    model = GPFedModel(rng=6, n_practices=90, agent_table_every=0, gp_contract_regime="competitive")
    commissioners = model.accounts.commissioner
    for _ in range(8):
        model.step()
        transfers = model.ledger.transfers_frame()
        rows = transfers[transfers["step"] == model.ledger.step]
        out = rows[rows["payer"].isin(commissioners)].groupby("payer")["amount_gbp"].sum()
        # Allocations and the premium come from the treasury; money back from a contract's risk
        # share lowers what the commissioner spent.
        back = rows[rows["payee"].isin(commissioners) & (rows["payer"] != TREASURY)]
        back = back.groupby("payee")["amount_gbp"].sum()
        net = out.reindex(commissioners, fill_value=0.0) - back.reindex(
            commissioners, fill_value=0.0
        )
        payments = rows["payer"].isin(commissioners).sum() + len(back)
        np.testing.assert_allclose(
            net.to_numpy(),
            model.commissioner_state.spend_gbp,
            atol=max(payments, 1) * PENNY_PER_PAYMENT_GBP,
        )


def test_care_management_is_what_the_chosen_effort_costs(monkeypatch):
    model, seen = audited_run(monkeypatch, 12, **CONTRACTS_LET)
    transfers = model.ledger.transfers_frame()
    assert any(quarter["effort"].any() for quarter in seen), "no practice made any effort"
    for quarter in seen:
        levers = quarter["levers"]
        cost = (
            levers.care_effort_cost_gbp_per_patient_per_year
            * (quarter["effort"] * quarter["lists"]).sum()
            / 4
        )
        assert paid(transfers, quarter["step"], "care_management") == pytest.approx(cost, abs=1.0)


def test_sharing_by_performance_pays_each_member_its_own_measured_saving(monkeypatch):
    seen: list[dict] = []
    original = GPFedModel._pay_performance

    def spy(model, membership, account, member_accounts):
        state, coverage = model.practice_state, model._coverage
        members = membership.members
        realised = (
            model.levers.emergency_tariff_gbp
            * state.emergency_admissions[members]
            * coverage.emergency_share[members]
            + model.levers.elective_tariff_gbp
            * state.elective_admissions[members]
            * coverage.elective_share[members]
        )
        spend = model._covered_spend
        seen.append(
            {
                "step": model.ledger.step,
                "accounts": member_accounts.copy(),
                "owed": spend.holder_kept_share[members]
                * (spend.benchmark_gbp[members] - realised),
            }
        )
        original(model, membership, account, member_accounts)

    monkeypatch.setattr(GPFedModel, "_pay_performance", spy)
    model = GPFedModel(rng=4, n_practices=90, agent_table_every=0, **CONTRACTS_LET).run(12)
    transfers = model.ledger.transfers_frame()
    moved = transfers[transfers["purpose"] == "performance_share"]
    assert len(moved) > 0
    for quarter in seen:
        rows = moved[moved["step"] == quarter["step"]]
        received = rows.groupby("payee")["amount_gbp"].sum()
        repaid = rows.groupby("payer")["amount_gbp"].sum()
        accounts = quarter["accounts"]
        net = received.reindex(accounts, fill_value=0.0) - repaid.reindex(accounts, fill_value=0.0)
        np.testing.assert_allclose(net.to_numpy(), quarter["owed"], atol=PENNY_PER_PAYMENT_GBP)


def test_locum_premium_is_the_cover_of_each_vacancy_at_its_premium(monkeypatch):
    model, seen = audited_run(monkeypatch, 12)
    transfers = model.ledger.transfers_frame()
    assert any(quarter["vacancies"].any() for quarter in seen), "no practice had a vacancy"
    for quarter in seen:
        levers = quarter["levers"]
        open_vacancies = quarter["vacancies"] * (quarter["lists"] > 0)
        premium = (
            levers.locum_premium_gbp_per_year * levers.locum_cover_share * open_vacancies.sum() / 4
        )
        assert paid(transfers, quarter["step"], "locum_premium") == pytest.approx(premium, abs=1.0)


def test_each_merger_by_choice_pays_its_one_off_cost():
    model = GPFedModel(
        rng=2,
        n_practices=120,
        agent_table_every=0,
        global_sum_gbp_per_weighted_patient=60.0,
    ).run(12)
    transfers = model.ledger.transfers_frame()
    mergers = int(model.to_frame()["voluntary_mergers"].iloc[1:].sum())
    assert mergers > 0
    costs = transfers[transfers["purpose"] == "merger_costs"]
    assert len(costs) == mergers
    assert costs["amount_gbp"].sum() == pytest.approx(mergers * model.levers.merger_cost_gbp)
