"""What the side panel says about one practice, and the levers in force, as label/value rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gpfed.parameters import SPEC
from gpfed.viz.controls import LEVERS, lever_label

if TYPE_CHECKING:
    from gpfed.model.model import GPFedModel


def practice_facts(model: GPFedModel, index: int) -> list[tuple[str, str]]:
    """List size, money, federation and contract of practice ``index`` now.

    Raises:
        IndexError: no practice has that index.
    """
    n = model.world.n_practices
    if not 0 <= index < n:
        raise IndexError(f"practice {index} does not exist; practices are numbered 0 to {n - 1}")
    state = model.practice_state
    trusts = ", ".join(
        f"T{t} ({share:.0%})"
        for t, share in zip(
            model.world.referral_trust[index], model.world.referral_share[index], strict=True
        )
    )
    where = [("commissioner area", str(int(state.area[index]))), ("refers to", trusts)]
    practice = model.practice_agent(index)
    if practice is None:
        return [("status", "closed: its patients moved to neighbours"), *where]
    federation = practice.federation
    in_federation = (
        f"#{federation.unique_id}: {federation.n_members} practices, "
        f"{federation.list_size:,} patients"
        if federation is not None
        else "none"
    )
    return [
        ("status", "open"),
        ("list size", f"{practice.list_size:,} patients"),
        ("income last quarter", f"£{practice.income_gbp:,.0f}"),
        ("profit per partner", f"£{practice.profit_per_partner_gbp_per_year:,.0f} a year"),
        ("reserves", f"£{practice.reserves_gbp:,.0f}"),
        ("partners", str(practice.partners)),
        ("quality", f"{practice.quality:.2f}"),
        ("federation", in_federation),
        ("contract", practice.contract),
        *where,
    ]


def levers_in_force(model: GPFedModel) -> list[tuple[str, str]]:
    """The page's levers as they apply this quarter (a scenario's schedule included)."""
    return [(lever_label(SPEC[name]), _show(getattr(model.levers, name))) for name in LEVERS]


def _show(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
