"""The parameter spec: every lever and behavioural parameter, with unit, range, default and source.

One spec drives single runs, the CLI's ``--set``, sweep files and the browser sliders, so it is
plain data (:data:`SPEC`, a mapping of :class:`Parameter`) that callers introspect. :class:`Params`
is a validated, immutable set of values for it.

Levers marked ``schedulable`` may change over time: give them a :class:`Schedule` (or a dict)
mapping the step, or a calendar quarter such as ``"2014Q2"``, from which each value applies.

Sources are cited on each parameter; ``[P]`` marks a proposed value with no published anchor (a
behavioural parameter to calibrate or sweep), as in MODEL-SPEC.md.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from gpfed import scenarios as _scenarios
from gpfed.parameter import (
    PROPOSED,
    Parameter,
    ParameterError,
    Schedule,
    Value,
    quarter_to_step,
    step_to_quarter,
)
from gpfed.policy_params import POLICY_PARAMETERS

__all__ = [
    "PRESETS",
    "SPEC",
    "LeverTimeline",
    "Parameter",
    "ParameterError",
    "Params",
    "Schedule",
    "describe",
    "quarter_to_step",
    "step_to_quarter",
    "unknown_parameter_error",
]


def _p(
    name: str, default: Value | Schedule, unit: str, doc: str, source: str, group: str, **kw: Any
) -> Parameter:
    return Parameter(name, default, unit, doc, source, group, **kw)


_PARAMETERS = [
    # --- world -----------------------------------------------------------------------------
    _p(
        "preset",
        "region",
        "",
        "Synthetic world: one ICB-sized region, or all of England (2013).",
        "DESIGN.md §2",
        "world",
        choices=("region", "england"),
    ),
    _p(
        "n_practices",
        200,
        "practices",
        "Number of GP practices at the start.",
        "region: an ICB has ~150-250 practices; england: 8,053 (NHS Digital, July 2013)",
        "world",
        low=10,
        high=12000,
    ),
    _p(
        "n_commissioners",
        3,
        "areas",
        "Commissioner areas (CCGs) partitioning the practices.",
        "england: 211 CCGs (2013)",
        "world",
        low=1,
        high=400,
    ),
    _p(
        "n_area_teams",
        1,
        "area teams",
        "Groups of commissioner areas (NHS England area teams).",
        "england: 27 area teams (2013)",
        "world",
        low=1,
        high=60,
    ),
    _p(
        "n_trusts",
        4,
        "trusts",
        "Acute hospital trusts.",
        "england: ~160 acute trusts in 2013 (NHS Providers, approx.)",
        "world",
        low=1,
        high=400,
    ),
    _p(
        "km2_per_practice",
        16.2,
        "km² per practice",
        "Land area per practice; sets distances.",
        "England 130,279 km² (ONS) / 8,053 practices",
        "world",
        low=0.1,
        high=1000,
    ),
    _p(
        "neighbours_per_practice",
        5,
        "practices",
        "k nearest practices joined on the graph.",
        "MODEL-SPEC.md (k = 5)",
        "world",
        low=1,
        high=20,
    ),
    _p(
        "trusts_per_practice",
        2,
        "trusts",
        "Trusts a practice refers to (nearest first).",
        "MODEL-SPEC.md (nearest 1-2)",
        "world",
        low=1,
        high=3,
    ),
    _p(
        "list_size_mean",
        6980.0,
        "patients",
        "Mean registered list at the start.",
        "BJGP, England 2011/12, n = 7,800: mean 6,980",
        "world",
        low=500,
        high=40000,
    ),
    _p(
        "list_size_sd",
        4244.0,
        "patients",
        "Standard deviation of the starting list.",
        "BJGP, England 2011/12: SD 4,244 (p10 2,392, p90 12,520)",
        "world",
        low=0,
        high=40000,
    ),
    _p(
        "need_weight_sd",
        0.15,
        "ratio",
        "SD of the Carr-Hill style need weight (mean 1).",
        PROPOSED,
        "world",
        low=0,
        high=0.6,
    ),
    _p(
        "diabetes_prevalence_mean",
        0.062,
        "share of list",
        "Mean diabetes prevalence.",
        "QOF 2013/14 via Diabetes UK: 6.2%",
        "world",
        low=0,
        high=0.3,
    ),
    _p(
        "diabetes_prevalence_concentration",
        150.0,
        "",
        "Beta concentration of prevalence across practices (higher: less spread).",
        PROPOSED,
        "world",
        low=2,
        high=100000,
    ),
    _p(
        "quality_mean",
        0.8,
        "0-1",
        "Mean practice quality (drives QOF and avoidable admissions).",
        PROPOSED,
        "world",
        low=0.05,
        high=0.95,
    ),
    _p(
        "quality_concentration",
        20.0,
        "",
        "Beta concentration of quality across practices.",
        PROPOSED,
        "world",
        low=2,
        high=100000,
    ),
    _p(
        "patients_per_partner",
        2200.0,
        "patients per GP partner",
        "List per GP partner; sets partners per practice.",
        "approx.: ~56m registered patients / ~25,000 GP partners (NHS workforce census 2013)",
        "world",
        low=500,
        high=20000,
    ),
    _p(
        "start_year",
        2013,
        "year",
        "Calendar year of the first quarter.",
        "MODEL-SPEC.md",
        "world",
        low=2004,
        high=2040,
    ),
    _p(
        "start_quarter",
        2,
        "quarter",
        "Calendar quarter of the first step (2 = April-June, the "
        "first quarter of a financial year).",
        "MODEL-SPEC.md",
        "world",
        low=1,
        high=4,
    ),
    _p(
        "registered_population_growth_per_year",
        0.008,
        "share per year",
        "Net growth of registered lists (births, deaths, migration).",
        "approx.: ONS mid-year estimates, England ~0.7-0.8% a year 2011-2016",
        "world",
        low=-0.05,
        high=0.1,
    ),
    # --- demand ----------------------------------------------------------------------------
    _p(
        "emergency_admissions_per_1000_per_year",
        94.3,
        "admissions per 1,000 per year",
        "Emergency admissions per registered patient at the start.",
        "5.3m in 2012/13 (HES APC 2012-13; NAO 2013) / ~56.2m registered",
        "demand",
        low=0,
        high=500,
    ),
    _p(
        "emergency_tariff_gbp",
        2360.0,
        "£ per admission",
        "Average tariff of an emergency admission.",
        "NAO 2013, 2012/13: ~£2,360 each",
        "demand",
        low=0,
        high=50000,
        schedulable=True,
    ),
    _p(
        "elective_admissions_per_1000_per_year",
        137.0,
        "admissions per 1,000 per year",
        "Elective admissions per registered patient at the start.",
        "approx.: HES APC 2012-13, 15.1m admissions less 5.3m emergency and ~2.1m maternity "
        "and other, / 56.2m",
        "demand",
        low=0,
        high=1000,
    ),
    _p(
        "elective_tariff_gbp",
        1300.0,
        "£ per admission",
        "Average tariff of an elective admission (day case and ordinary).",
        "[P] approx., between day-case and ordinary tariffs",
        "demand",
        low=0,
        high=50000,
        schedulable=True,
    ),
    _p(
        "gp_consultations_per_patient_per_year",
        5.5,
        "consultations per patient per year",
        "GP consultation rate.",
        "QResearch, Hippisley-Cox & Vinogradova 2009: 5.5 in 2008",
        "demand",
        low=0,
        high=30,
    ),
    _p(
        "diabetes_excess_admission_risk",
        1.5,
        "ratio",
        "Extra admission risk of a patient with diabetes (delta in (1 + delta*prevalence)).",
        PROPOSED,
        "demand",
        low=0,
        high=10,
    ),
    _p(
        "quality_admission_effect",
        0.5,
        "per unit quality",
        "Fall in emergency admissions per "
        "unit of quality above the mean (smaller practices: more avoidable admissions, IFS "
        "2014).",
        PROPOSED,
        "demand",
        low=0,
        high=1,
    ),
    _p(
        "induced_demand_elasticity",
        0.5,
        "per unit spare capacity",
        "Supply-induced demand "
        "under payment by results: extra activity per unit of the referral trust's spare "
        "capacity (fee-for-service raises volumes: Cochrane CD002215).",
        PROPOSED,
        "demand",
        low=0,
        high=5,
        schedulable=True,
    ),
    _p(
        "trust_spare_capacity_share",
        0.08,
        "share of baseline activity",
        "Trust capacity above baseline activity.",
        PROPOSED,
        "demand",
        low=0,
        high=1,
    ),
    # --- practice income and costs (GMS) -------------------------------------------------
    _p(
        "global_sum_gbp_per_weighted_patient",
        Schedule(
            {"2013Q2": 66.25, "2014Q2": 73.56, "2015Q2": 75.77, "2016Q2": 80.59, "2018Q2": 88.96}
        ),
        "£ per weighted patient per year",
        "GMS global sum (payment per need-weighted patient).",
        "NHS Employers/BMA GMS contract changes: £66.25 (2013/14), £73.56 (2014/15), £75.77 "
        "(2015/16), £80.59 (2016/17), £88.96 (2018/19); 2017/18 not in our sources, held",
        "practice income",
        low=0,
        high=500,
        schedulable=True,
    ),
    _p(
        "mpig_practice_share",
        0.21,
        "share of practices",
        "Share of practices receiving an "
        "MPIG correction factor at the start (smaller lists more often).",
        PROPOSED,
        "practice income",
        low=0,
        high=1,
    ),
    _p(
        "mpig_mean_gbp_per_weighted_patient",
        7.5,
        "£ per weighted patient per year",
        "Mean MPIG top-up among recipients (exponential).",
        "[P] set so ~100 practices lose "
        "> £3 per weighted patient in the first phase-out year (BMA: 98)",
        "practice income",
        low=0,
        high=200,
    ),
    _p(
        "mpig_phase_out_rate_per_year",
        Schedule({"2013Q2": 0.0, "2014Q2": 1 / 7}),
        "share of the initial top-up per year",
        "Speed of the MPIG phase-out.",
        "BMA: phased out over seven years from 2014/15",
        "practice income",
        low=0,
        high=1,
        schedulable=True,
    ),
    _p(
        "qof_points_available",
        Schedule({"2013Q2": 900, "2014Q2": 559}),
        "points",
        "QOF points a fully achieving practice earns in a year.",
        "NHS Employers: 900 points (2013/14), 559 from 2014/15",
        "practice income",
        low=0,
        high=2000,
        schedulable=True,
    ),
    _p(
        "qof_gbp_per_point",
        156.92,
        "£ per point (average practice)",
        "Value of a QOF point for a practice of average list.",
        "NHS Employers 2013/14: £156.92",
        "practice income",
        low=0,
        high=1000,
        schedulable=True,
    ),
    _p(
        "seniority_gbp_per_senior_partner_per_year",
        4000.0,
        "£ per senior partner per year",
        "Average seniority payment to an eligible partner.",
        "[P] average of a scale up to ~£8,000 (AISMA)",
        "practice income",
        low=0,
        high=20000,
    ),
    _p(
        "senior_partner_share",
        0.5,
        "share of partners",
        "Share of partners with seniority.",
        PROPOSED,
        "practice income",
        low=0,
        high=1,
    ),
    _p(
        "seniority_cut_rate_per_year",
        Schedule({"2013Q2": 0.0, "2014Q2": 0.15}),
        "share of the initial payment per year",
        "Speed of the seniority phase-out.",
        "AISMA: cut ~15% a year from 2014 to 2020",
        "practice income",
        low=0,
        high=1,
        schedulable=True,
    ),
    _p(
        "enhanced_services_gbp_per_patient_per_year",
        16.3,
        "£ per patient per year",
        "Enhanced services income.",
        "~12% of general-practice spend (Pulse) x £136 per patient (IfG, 2013/14)",
        "practice income",
        low=0,
        high=200,
        schedulable=True,
    ),
    _p(
        "other_reimbursements_gbp_per_patient_per_year",
        29.0,
        "£ per patient per year",
        "Premises, IT, dispensing and other NHS reimbursements.",
        "[P] derived: brings NHS spend per registered patient to ~£136 in 2013/14 (IfG)",
        "practice income",
        low=0,
        high=300,
        schedulable=True,
    ),
    _p(
        "practice_cost_efficiency_sd",
        0.08,
        "ratio",
        "SD of practices' cost multiplier "
        "(lognormal, mean 1) on expenses per patient, before the viability condition at the "
        "start.",
        PROPOSED,
        "practice income",
        low=0,
        high=0.5,
    ),
    _p(
        "practice_expense_growth_per_year",
        0.02,
        "share per year",
        "Growth of practice expenses per patient (staff pay, premises).",
        PROPOSED,
        "practice income",
        low=-0.1,
        high=0.2,
    ),
    _p(
        "practice_cost_drift_sd",
        0.01,
        "ratio per quarter",
        "SD of the quarterly change in a "
        "practice's cost multiplier (a random walk: staff, premises, locums).",
        PROPOSED,
        "practice income",
        low=0,
        high=0.3,
    ),
    _p(
        "practice_working_capital_quarters",
        0.5,
        "quarters of expenses",
        "Reserves partners keep in the practice before drawing profit.",
        PROPOSED,
        "practice income",
        low=0,
        high=8,
    ),
    # --- exit and merger -------------------------------------------------------------------
    _p(
        "exit_profit_threshold_share",
        0.45,
        "share of national mean profit per partner",
        "A practice is failing while its annualised profit per partner is below this share "
        "of £106,100 (NHS IC, 2011/12).",
        PROPOSED,
        "exit",
        low=0,
        high=2,
    ),
    _p(
        "exit_quarters",
        4,
        "quarters",
        "Consecutive failing quarters before a practice exits.",
        PROPOSED,
        "exit",
        low=1,
        high=40,
    ),
    _p(
        "merge_probability",
        0.6,
        "probability",
        "Chance an exiting practice merges into a neighbour rather than handing back its contract.",
        PROPOSED,
        "exit",
        low=0,
        high=1,
    ),
    # --- hospital payment and commissioners -----------------------------------------------
    _p(
        "hospital_payment",
        "pbr",
        "",
        "How commissioners pay trusts: payment by results "
        "(tariff per episode), block, capitation, or a blend of PbR and block.",
        "DESIGN.md §2",
        "hospital payment",
        choices=("pbr", "block", "capitation", "blend"),
        schedulable=True,
    ),
    _p(
        "blend_pbr_share",
        0.5,
        "share",
        "PbR share of trust income under the blend.",
        PROPOSED,
        "hospital payment",
        low=0,
        high=1,
        schedulable=True,
    ),
    _p(
        "mret_marginal_rate",
        0.3,
        "share of tariff",
        "Rate paid for emergency admissions above "
        "the baseline (marginal rate emergency tariff); the commissioner keeps the rest.",
        "DH: 30% in 2010-14 (50% proposed for 2015/16)",
        "hospital payment",
        low=0,
        high=1,
        schedulable=True,
    ),
    _p(
        "trust_fixed_cost_share",
        0.5,
        "share of baseline cost",
        "Share of a trust's baseline cost that does not vary with activity.",
        PROPOSED,
        "hospital payment",
        low=0,
        high=1,
    ),
    _p(
        "commissioner_allocation_gbp_per_head_per_year",
        1281.0,
        "£ per registered patient per year",
        "Allocation to commissioners; what the modelled services do not use buys other "
        "services at a fixed rate.",
        "approx.: CCG allocations 2013/14 (~£64bn / ~56m) plus GP services £136 per patient (IfG)",
        "hospital payment",
        low=0,
        high=10000,
        schedulable=True,
    ),
    # --- run and output --------------------------------------------------------------------
    _p(
        "horizon_quarters",
        40,
        "quarters",
        "Steps after which the model stops running (model.running becomes False).",
        "DESIGN.md §2 (10 years)",
        "run",
        low=1,
        high=400,
    ),
    _p(
        "agent_table_every",
        1,
        "quarters",
        "Collect the per-agent tables every this many "
        "quarters (0: never; model series are always collected).",
        "",
        "run",
        low=0,
        high=400,
    ),
]

SPEC: Mapping[str, Parameter] = {p.name: p for p in [*_PARAMETERS, *POLICY_PARAMETERS]}
"""Every parameter by name, in display order."""

PRESETS: Mapping[str, Mapping[str, Value]] = {
    "region": {},
    # England 2013: 8,053 practices (NHS Digital, July 2013), 211 CCGs in 27 area teams,
    # ~160 acute trusts.
    # At this scale per-agent tables are collected yearly: through Mesa's DataCollector they cost
    # ~1.9 s of a 2.2 s ten-year run every quarter, ~0.5 s yearly (benchmarks/bench_model.py).
    "england": {
        "n_practices": 8053,
        "n_commissioners": 211,
        "n_area_teams": 27,
        "n_trusts": 160,
        "agent_table_every": 4,
    },
}
"""World presets: structural values applied unless the caller gives them explicitly."""


class Params(Mapping[str, Value | Schedule]):
    """A validated, immutable set of parameter values.

    Args:
        scenario: optional named scenario (see :mod:`gpfed.scenarios`) whose values apply first.
        **values: parameter values by name; they override the scenario and the preset.

    Raises:
        ParameterError: an unknown name (with suggestions and the valid names) or a value outside
            the allowed range (naming parameter, value and range).

    Example:
        >>> Params(hospital_payment="capitation", n_practices=150).hospital_payment
        'capitation'
    """

    __slots__ = ("_explicit", "_scenario", "_values")

    def __init__(self, scenario: str | None = None, /, **values: Any) -> None:
        merged: dict[str, Any] = {}
        if scenario is not None:
            merged.update(_scenarios.get(scenario).values)
        merged.update(values)
        unknown = [name for name in merged if name not in SPEC]
        if unknown:
            raise unknown_parameter_error(unknown[0])
        preset = SPEC["preset"].check(merged.get("preset", SPEC["preset"].default))
        resolved: dict[str, Any] = {name: p.default for name, p in SPEC.items()}
        resolved.update(PRESETS[preset])
        resolved.update(merged)
        start_year = SPEC["start_year"].check(resolved["start_year"])
        start_quarter = SPEC["start_quarter"].check(resolved["start_quarter"])
        checked = {
            name: SPEC[name].check_any(value, start_year, start_quarter)
            for name, value in resolved.items()
        }
        _check_consistency(checked)
        self._values = checked
        self._explicit = frozenset(merged)
        self._scenario = scenario

    @classmethod
    def coerce(
        cls, params: Params | Mapping[str, Any] | str | None = None, **values: Any
    ) -> Params:
        """Build Params from Params, a mapping, a scenario name or nothing, plus overrides."""
        if isinstance(params, Params):
            return params.replace(**values) if values else params
        if isinstance(params, str):
            return cls(params, **values)
        return cls(**{**(params or {}), **values})

    def replace(self, **changes: Any) -> Params:
        """Return new Params with some values changed (validated again)."""
        explicit = {k: self._values[k] for k in self._explicit if k in self._values}
        return Params(self._scenario, **{**explicit, **changes})

    @property
    def scenario(self) -> str | None:
        """Name of the scenario these values started from, if any."""
        return self._scenario

    def __getattr__(self, name: str) -> Value | Schedule:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(str(unknown_parameter_error(name))) from None

    def __getitem__(self, name: str) -> Value | Schedule:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if v != SPEC[k].default}
        inner = ", ".join(f"{k}={v!r}" for k, v in changed.items())
        head = f"{self._scenario!r}, " if self._scenario else ""
        return f"Params({head}{inner})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self._scenario, {k: self._values[k] for k in self._explicit}))

    def to_dict(self) -> dict[str, Any]:
        """Plain values, schedules as dicts: for storage next to results."""
        return {k: (v.as_dict() if isinstance(v, Schedule) else v) for k, v in self._values.items()}

    def timeline(self) -> LeverTimeline:
        """Resolve schedules into a per-step lookup (see :class:`LeverTimeline`)."""
        return LeverTimeline(self)


def _rebuild(scenario: str | None, explicit: dict[str, Any]) -> Params:
    return Params(scenario, **explicit)


@dataclass
class LeverTimeline:
    """Values in force at each step, schedules resolved once.

    ``timeline.at(step)`` returns a namespace with every parameter's value at that step.
    """

    params: Params
    _changes: dict[int, dict[str, Value]] = field(default_factory=dict, init=False)
    _base: dict[str, Value] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        start = (self.params["start_year"], self.params["start_quarter"])
        for name, value in self.params.items():
            if isinstance(value, Schedule):
                for step, item in value.resolved(*start):
                    if step <= 0:
                        self._base[name] = item
                    else:
                        self._changes.setdefault(step, {})[name] = item
            else:
                self._base[name] = value

    def at(self, step: int) -> SimpleNamespace:
        """Return every parameter's value in force at ``step`` (0 = the start quarter)."""
        values = dict(self._base)
        for change_step in sorted(s for s in self._changes if s <= step):
            values.update(self._changes[change_step])
        return SimpleNamespace(**values)


def unknown_parameter_error(name: str) -> ParameterError:
    """Build the error for an unknown parameter name, with the nearest valid names."""
    near = difflib.get_close_matches(name, SPEC, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else "."
    return ParameterError(f"no parameter {name!r}{hint} Valid: {', '.join(SPEC)}")


def _check_consistency(values: Mapping[str, Any]) -> None:
    """Cross-parameter rules that single ranges cannot express."""
    if values["n_commissioners"] > values["n_practices"]:
        raise ParameterError(
            f"n_commissioners = {values['n_commissioners']} exceeds n_practices = "
            f"{values['n_practices']}; allowed 1 to n_practices"
        )
    if values["n_area_teams"] > values["n_commissioners"]:
        raise ParameterError(
            f"n_area_teams = {values['n_area_teams']} exceeds n_commissioners = "
            f"{values['n_commissioners']}; allowed 1 to n_commissioners"
        )
    if values["trusts_per_practice"] > values["n_trusts"]:
        raise ParameterError(
            f"trusts_per_practice = {values['trusts_per_practice']} exceeds n_trusts = "
            f"{values['n_trusts']}; allowed 1 to n_trusts"
        )


def describe(group: str | None = None) -> list[dict[str, Any]]:
    """Return the spec as rows (name, default, unit, allowed, doc, source) for tables and docs."""
    return [
        {
            "name": p.name,
            "group": p.group,
            "default": str(p.default),
            "unit": p.unit,
            "allowed": p.allowed(),
            "schedulable": p.schedulable,
            "doc": p.doc,
            "source": p.source,
        }
        for p in SPEC.values()
        if group is None or p.group == group
    ]
