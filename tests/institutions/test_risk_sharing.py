"""Risk sharing rules against hand-computed numbers (budget £1,000 a quarter throughout)."""

from types import SimpleNamespace

import pytest

from gpfed.institutions.risk_sharing import (
    marginal_retained_share,
    payer_corridor_share_gbp,
    provider_retained_gbp,
    retained_risk_gbp,
    yearly_retained_risk_gbp,
)

BUDGET = 1_000.0


def levers(**changes) -> SimpleNamespace:
    """ACA-style corridor 3% / 8%, payer 50% / 80%; no stop-loss or profit cap unless set."""
    values = {
        "risk_sharing": "corridor",
        "provider_gain_share": 0.5,
        "provider_loss_share": 0.7,
        "loss_share_glide_quarters": 4,
        "corridor_inner_band": 0.03,
        "corridor_outer_band": 0.08,
        "corridor_payer_share_inner": 0.5,
        "corridor_payer_share_outer": 0.8,
        "stop_loss_share_of_budget": 1.0,
        "profit_cap_share_of_budget": 1.0,
    }
    values.update(changes)
    return SimpleNamespace(**values)


# --- corridor --------------------------------------------------------------------------------
# Bands on a £1,000 budget: inner £30, outer £80.
#   V = 20:  all inside the inner band              payer 0                      provider 20
#   V = 30:  at the inner band                      payer 0                      provider 30
#   V = 50:  £20 between the bands                  payer 0.5*20 = 10            provider 40
#   V = 80:  £50 between the bands                  payer 0.5*50 = 25            provider 55
#   V = 100: £50 between, £20 beyond                payer 25 + 0.8*20 = 41       provider 59
#   V = 300: £50 between, £220 beyond               payer 25 + 0.8*220 = 201     provider 99
CORRIDOR_CASES = [
    (0.0, 0.0, 0.0),
    (20.0, 0.0, 20.0),
    (30.0, 0.0, 30.0),
    (50.0, 10.0, 40.0),
    (80.0, 25.0, 55.0),
    (100.0, 41.0, 59.0),
    (300.0, 201.0, 99.0),
]


@pytest.mark.parametrize(("variance", "payer", "provider"), CORRIDOR_CASES)
def test_corridor_gains_by_hand(variance, payer, provider):
    lv = levers()
    assert payer_corridor_share_gbp(variance, BUDGET, lv) == pytest.approx(payer)
    assert provider_retained_gbp(variance, BUDGET, 0, lv) == pytest.approx(provider)


@pytest.mark.parametrize(("variance", "payer", "provider"), CORRIDOR_CASES)
def test_corridor_is_symmetric_for_losses(variance, payer, provider):
    lv = levers()
    assert payer_corridor_share_gbp(-variance, BUDGET, lv) == pytest.approx(-payer)
    assert provider_retained_gbp(-variance, BUDGET, 0, lv) == pytest.approx(-provider)


def test_corridor_ignores_the_glide_path():
    lv = levers(loss_share_glide_quarters=8)
    assert provider_retained_gbp(-100.0, BUDGET, 0, lv) == pytest.approx(-59.0)


def test_corridor_outer_band_inside_the_inner_band_means_one_band():
    # Outer 2% < inner 3%: the outer band is taken as 3%, so nothing is "between" the bands.
    # V = 100: £70 beyond, payer 0.8*70 = 56, provider 44.
    lv = levers(corridor_outer_band=0.02)
    assert payer_corridor_share_gbp(100.0, BUDGET, lv) == pytest.approx(56.0)
    assert provider_retained_gbp(100.0, BUDGET, 0, lv) == pytest.approx(44.0)


# --- gain and loss shares with a glide path -----------------------------------------------


def test_shares_provider_bears_no_loss_during_the_glide_path():
    lv = levers(risk_sharing="shares")  # glide path: quarters 0-3
    for quarters_held in range(4):
        assert provider_retained_gbp(-100.0, BUDGET, quarters_held, lv) == 0.0


def test_shares_provider_bears_its_loss_share_after_the_glide_path():
    lv = levers(risk_sharing="shares")
    # loss share 0.7 of a £100 overspend = £70
    assert provider_retained_gbp(-100.0, BUDGET, 4, lv) == pytest.approx(-70.0)
    assert provider_retained_gbp(-100.0, BUDGET, 20, lv) == pytest.approx(-70.0)


def test_shares_gain_share_applies_from_the_first_quarter():
    lv = levers(risk_sharing="shares")
    # gain share 0.5 of a £100 underspend = £50, glide path or not
    assert provider_retained_gbp(100.0, BUDGET, 0, lv) == pytest.approx(50.0)
    assert provider_retained_gbp(100.0, BUDGET, 9, lv) == pytest.approx(50.0)


def test_shares_with_no_glide_path_bear_losses_at_once():
    lv = levers(risk_sharing="shares", loss_share_glide_quarters=0, provider_loss_share=1.0)
    assert provider_retained_gbp(-100.0, BUDGET, 0, lv) == pytest.approx(-100.0)


# --- stop-loss and profit cap ----------------------------------------------------------------


def test_stop_loss_caps_the_loss():
    # Stop-loss 5% of £1,000 = £50.
    shares = levers(risk_sharing="shares", stop_loss_share_of_budget=0.05)
    assert provider_retained_gbp(-100.0, BUDGET, 4, shares) == pytest.approx(-50.0)  # -70 -> -50
    assert provider_retained_gbp(-60.0, BUDGET, 4, shares) == pytest.approx(-42.0)  # under cap
    corridor = levers(stop_loss_share_of_budget=0.05)
    assert provider_retained_gbp(-100.0, BUDGET, 0, corridor) == pytest.approx(-50.0)  # -59
    # The stop-loss does not touch gains.
    assert provider_retained_gbp(100.0, BUDGET, 0, corridor) == pytest.approx(59.0)


def test_profit_cap_caps_the_gain():
    # Profit cap 4% of £1,000 = £40.
    shares = levers(risk_sharing="shares", profit_cap_share_of_budget=0.04)
    assert provider_retained_gbp(100.0, BUDGET, 0, shares) == pytest.approx(40.0)  # 50 -> 40
    assert provider_retained_gbp(60.0, BUDGET, 0, shares) == pytest.approx(30.0)  # under cap
    corridor = levers(profit_cap_share_of_budget=0.04)
    assert provider_retained_gbp(100.0, BUDGET, 0, corridor) == pytest.approx(40.0)  # 59 -> 40
    # The profit cap does not touch losses.
    assert provider_retained_gbp(-100.0, BUDGET, 0, corridor) == pytest.approx(-59.0)


def test_zero_stop_loss_means_the_provider_bears_no_loss():
    lv = levers(risk_sharing="shares", loss_share_glide_quarters=0, stop_loss_share_of_budget=0)
    assert provider_retained_gbp(-100.0, BUDGET, 0, lv) == 0.0


# --- the marginal share a provider keeps ------------------------------------------------------


@pytest.mark.parametrize(
    ("variance_share", "changes", "expected"),
    [
        (0.0, {}, 1.0),  # corridor: inside the inner band the provider keeps every pound
        (0.05, {}, 0.5),  # between the bands the payer takes 50%
        (0.10, {}, 0.2),  # beyond the outer band the payer takes 80%
        (-0.10, {}, 0.2),  # a loss beyond the outer band: each pound saved is 20% the provider's
        (0.0, {"risk_sharing": "shares"}, 0.5),  # gain share
        (-0.05, {"risk_sharing": "shares"}, 0.7),  # loss share, past the glide path
        (0.02, {"profit_cap_share_of_budget": 0.02}, 0.0),  # at the profit cap: nothing more
        (-0.05, {"stop_loss_share_of_budget": 0.01}, 0.0),  # under the stop-loss: ditto
    ],
)
def test_marginal_retained_share_is_the_slope_of_what_the_provider_keeps(
    variance_share, changes, expected
):
    share = marginal_retained_share(variance_share, BUDGET, 8, levers(**changes))
    assert float(share) == pytest.approx(expected, abs=1e-9)


def test_marginal_retained_share_during_the_glide_path_counts_no_loss():
    # A small overspend in the glide path: saving a pound turns no loss into no loss.
    assert float(marginal_retained_share(-0.05, BUDGET, 0, levers(risk_sharing="shares"))) == 0.0


def test_a_provider_keeps_all_the_risk_inside_the_corridor_and_half_under_even_shares():
    # A 2% shock stays inside the 3% inner band: the provider keeps all £20 of it.
    assert float(retained_risk_gbp(0.02, BUDGET, 8, levers())) == pytest.approx(20.0)
    halves = levers(risk_sharing="shares", provider_gain_share=0.5, provider_loss_share=0.5)
    assert float(retained_risk_gbp(0.02, BUDGET, 8, halves)) == pytest.approx(10.0)
    # During the glide path the provider bears no loss: only half the spread is left.
    assert float(retained_risk_gbp(0.02, BUDGET, 0, halves)) == pytest.approx(5.0)
    # Four independent quarters: twice the quarterly SD, past the glide path.
    yearly = yearly_retained_risk_gbp(0.02, BUDGET, levers(loss_share_glide_quarters=4))
    assert float(yearly) == pytest.approx(40.0)
