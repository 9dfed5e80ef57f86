"""Every parameter's value in force in one quarter, typed: what the model and agents read.

Generated from the parameter spec by ``scripts/levers_class.py``; do not edit by hand (a test
fails when it is stale). :meth:`gpfed.parameters.LeverTimeline.at` builds one per quarter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Levers:
    """The value of every parameter in force this quarter (schedules resolved)."""

    preset: Literal["region", "england"]
    """Synthetic world: one ICB-sized region, or all of England (2013)."""
    n_practices: int
    """Number of GP practices at the start. (practices)"""
    n_commissioners: int
    """Commissioner areas (CCGs) partitioning the practices. (areas)"""
    n_area_teams: int
    """Groups of commissioner areas (NHS England area teams). (area teams)"""
    n_trusts: int
    """Acute hospital trusts. (trusts)"""
    km2_per_practice: float
    """Land area per practice; sets distances. (km² per practice)"""
    neighbours_per_practice: int
    """k nearest practices joined on the graph. (practices)"""
    trusts_per_practice: int
    """Trusts a practice refers to (nearest first). (trusts)"""
    list_size_mean: float
    """Mean registered list at the start. (patients)"""
    list_size_sd: float
    """Standard deviation of the starting list. (patients)"""
    need_weight_sd: float
    """SD of the Carr-Hill style need weight (mean 1). (ratio)"""
    diabetes_prevalence_mean: float
    """Mean diabetes prevalence. (share of list)"""
    diabetes_prevalence_concentration: float
    """Beta concentration of prevalence across practices (higher: less spread)."""
    quality_mean: float
    """Mean practice quality (drives QOF and avoidable admissions). (0-1)"""
    quality_concentration: float
    """Beta concentration of quality across practices."""
    patients_per_partner: float
    """List per GP partner; sets partners per practice. (patients per GP partner)"""
    salaried_gps_per_partner: float
    """Salaried GPs drawn per partner at the start (Poisson per practice). (salaried GPs per
    partner)
    """
    start_year: int
    """Calendar year of the first quarter. (year)"""
    start_quarter: int
    """Calendar quarter of the first step (2 = April-June, the first quarter of a financial
    year). (quarter)
    """
    registered_population_growth_per_year: float
    """Net growth of registered lists (births, deaths, migration). (share per year)"""
    need_growth_per_year: float
    """Growth of need per registered patient (ageing, multimorbidity): scales every patient's
    expected consultations and admissions. (share per year)
    """
    emergency_admissions_per_1000_per_year: float
    """Emergency admissions per registered patient at the start. (admissions per 1,000 per
    year)
    """
    elective_admissions_per_1000_per_year: float
    """Elective admissions per registered patient at the start. (admissions per 1,000 per year)"""
    gp_consultations_per_patient_per_year: float
    """GP consultation rate. (consultations per patient per year)"""
    diabetes_excess_admission_risk: float
    """Extra admission risk of a patient with diabetes (delta in (1 + delta*prevalence)).
    (ratio)
    """
    mpig_practice_share: float
    """Share of practices receiving an MPIG correction factor at the start (smaller lists more
    often). (share of practices)
    """
    mpig_mean_gbp_per_weighted_patient: float
    """Mean MPIG top-up among recipients (exponential). (£ per weighted patient per year)"""
    senior_partner_share: float
    """Share of partners with seniority. (share of partners)"""
    practice_cost_efficiency_sd: float
    """SD of practices' cost multiplier (lognormal, mean 1) on expenses per patient, before the
    viability condition at the start. (ratio)
    """
    practice_expense_growth_per_year: float
    """Growth of practice expenses per patient (staff pay, premises). (share per year)"""
    practice_cost_drift_sd: float
    """SD of the quarterly change in a practice's cost multiplier (a random walk: staff,
    premises, locums). (ratio per quarter)
    """
    horizon_quarters: int
    """Steps after which the model stops running (model.running becomes False). (quarters)"""
    agent_table_every: int
    """Collect the per-agent tables every this many quarters (0, the default: never; model
    series are always collected, so mesa.batch_run gives one row per run and step). gpfed
    run asks for them. (quarters)
    """
    global_sum_gbp_per_weighted_patient: float
    """GMS global sum (payment per need-weighted patient). (£ per weighted patient per year)"""
    mpig_phase_out_rate_per_year: float
    """Speed of the MPIG phase-out. (share of the initial top-up per year)"""
    qof_points_available: int
    """QOF points a fully achieving practice earns in a year. (points)"""
    qof_gbp_per_point: float
    """Value of a QOF point for a practice of average list. (£ per point (average practice))"""
    seniority_gbp_per_senior_partner_per_year: float
    """Average seniority payment to an eligible partner. (£ per senior partner per year)"""
    seniority_cut_rate_per_year: float
    """Speed of the seniority phase-out. (share of the initial payment per year)"""
    enhanced_services_gbp_per_patient_per_year: float
    """Enhanced services income. (£ per patient per year)"""
    other_reimbursements_gbp_per_patient_per_year: float
    """Premises, IT, dispensing and other NHS reimbursements. (£ per patient per year)"""
    federation_incentive_gbp_per_patient_per_year: float
    """Payment by the commissioner to federations of at least the threshold list. (£ per
    patient per year)
    """
    federation_incentive_threshold_patients: int
    """Smallest federation list that earns the federation incentive. (patients)"""
    reward_for_scale_gbp_per_patient_per_year: float
    """Reward for scale paid per federation patient, rising linearly with the federation's list
    up to 100,000 patients. (£ per patient per year at 100,000 patients)
    """
    ooh_to_federations: bool
    """Out-of-hours responsibility moves to federations: they are paid per patient and provide
    it at a cost that falls with scale.
    """
    ooh_gbp_per_patient_per_year: float
    """Out-of-hours payment to a federation holding the responsibility; provision costs the
    same per patient at 50,000 patients and less above. (£ per patient per year)
    """
    termination_notices: int
    """Remedial notices after which the commissioner terminates (strength of contractual
    levers: fewer is tougher). (notices)
    """
    gms_quality_floor: float
    """Tougher levers on GMS: a practice below this quality gets a remedial notice each year
    and loses its contract after termination_notices of them (0: off). (quality (0-1))
    """
    emergency_tariff_gbp: float
    """Average tariff of an emergency admission. (£ per admission)"""
    elective_tariff_gbp: float
    """Average tariff of an elective admission (day case and ordinary). (£ per admission)"""
    trust_spare_capacity_share: float
    """Trust capacity above baseline activity. (share of baseline activity)"""
    hospital_payment: Literal["pbr", "block", "capitation", "blend"]
    """How commissioners pay trusts: payment by results (tariff per episode), block,
    capitation, or a blend of PbR and block.
    """
    blend_pbr_share: float
    """PbR share of trust income under the blend. (share)"""
    mret_marginal_rate: float
    """Rate paid for emergency admissions above the baseline (marginal rate emergency tariff);
    the commissioner keeps the rest. (share of tariff)
    """
    trust_fixed_cost_share: float
    """Share of a trust's baseline cost that does not vary with activity. (share of baseline
    cost)
    """
    commissioner_allocation_gbp_per_head_per_year: float
    """Allocation to commissioners; what the modelled services do not use buys other services
    at a fixed rate. (£ per registered patient per year)
    """
    gp_contract_regime: Literal["gms", "optional", "mandatory", "competitive"]
    """GP contract regime: GMS only (no integrated lots), optional integrated contract held by
    federations with right of return, mandatory tenders of integrated contracts alongside
    GMS, or competitive commissioning with no national GP contract.
    """
    tender_every_quarters: int
    """Offer calendar of the optional contract: federations may opt in every this many quarters
    (under mandatory and competitive tendering commissioners may start a procurement in any
    quarter). (quarters)
    """
    locality_population: int
    """Target population of a locality (population lot) under mandatory or competitive
    tendering. (patients)
    """
    pathway_lots: bool
    """Commissioners also tender a diabetes pathway lot for practices no population contract
    covers (mandatory and competitive regimes).
    """
    bidder_min_population: int
    """Smallest federation list that can hold an integrated contract. (patients)"""
    trusts_may_bid: bool
    """Trusts may bid alone for integrated contracts."""
    alliances_may_bid: bool
    """Federation and trust alliances (integrated care organisations) may bid."""
    outside_entrants: bool
    """An outside entrant (e.g. an independent-sector provider) may bid for every tendered lot."""
    savings_target: float
    """Budget of a lot = its baseline spend x (1 - savings target); the reserve price. (share
    of baseline spend)
    """
    community_services_gbp_per_head_per_year: float
    """Community health services in a population lot (bought from other services). (£ per
    patient per year)
    """
    diabetes_care_gbp_per_diabetic_per_year: float
    """Community and specialist diabetes care in a pathway lot (bought from other services). (£
    per diabetic patient per year)
    """
    quality_weight: float
    """Weight of quality in a bid's score (the rest on price). (weight)"""
    direct_award_probability: float
    """Chance a commissioner awards a lot directly to the most capable bidder at the reserve
    price, without competition. (probability)
    """
    contract_length_quarters: int
    """Length of an integrated contract. (quarters)"""
    bid_cost_share_of_annual_value: float
    """Cost of preparing a bid, paid by every bidder. (share of annual lot value)"""
    commissioner_own_federation_bias: float
    """Score added to bids by GP federations of the commissioner's own area (commissioner-
    provider merger). (score points)
    """
    retention_threshold: float
    """At expiry a holder whose mean outcome achievement reaches this keeps the contract
    without a tender (commissioner discretion); otherwise the lot is tendered again.
    (achievement (0-1))
    """
    service_delivery_quality_slope: float
    """How much more likely a practice of higher quality is to deliver each GMS, QOF or
    enhanced-service line of the service catalogue (drawn at the start): probability = the
    line's share of practices delivering it + slope x (quality - 0.5). (probability per unit
    of quality)
    """
    core_definition: float
    """How tightly core GP services are defined: the share of the service-catalogue lines GMS,
    QOF or enhanced services already pay for (highest value first) defined as core and
    netted out of integrated contracts (1: nothing paid twice). (share of overlapping lines)
    """
    gms_merged_into_contract: bool
    """GMS money of covered practices is merged into population contracts (the holder pays
    them); always so under competitive commissioning.
    """
    outcome_payment_share: float
    """Share of contract value withheld and paid by achievement of the admissions target.
    (share of contract value)
    """
    admissions_target_reduction: float
    """Emergency admissions target of a contract: this much below its baseline. (share of
    baseline)
    """
    remedial_threshold: float
    """A holder whose quarterly achievement falls below this gets a remedial notice.
    (achievement (0-1))
    """
    quality_premium_gbp_per_head_per_year: float
    """Largest quality premium paid to a commissioner (yearly), nothing if it is in deficit. (£
    per patient per year)
    """
    quality_premium_admissions_weight: float
    """Weight of avoidable emergency admissions in the quality premium (the rest on practice
    quality). (weight)
    """
    risk_sharing: Literal["corridor", "shares"]
    """How a contract's over- or underspend is split: risk corridors, or gain and loss shares
    with a glide path.
    """
    provider_gain_share: float
    """Share of an underspend the provider keeps (shares rule). (share)"""
    provider_loss_share: float
    """Share of an overspend the provider bears after the glide path (shares rule). (share)"""
    loss_share_glide_quarters: int
    """Quarters at the start of a contract in which the provider bears no overspend (shares
    rule). (quarters)
    """
    corridor_inner_band: float
    """Variance within this share of budget is the provider's alone. (share of budget)"""
    corridor_outer_band: float
    """Beyond this share of budget the payer bears the outer share. (share of budget)"""
    corridor_payer_share_inner: float
    """Payer's share of variance between the inner and outer bands. (share)"""
    corridor_payer_share_outer: float
    """Payer's share of variance beyond the outer band. (share)"""
    stop_loss_share_of_budget: float
    """Stop-loss: the provider's loss in a quarter is capped at this share of its budget.
    (share of budget per quarter)
    """
    profit_cap_share_of_budget: float
    """Profit cap: the provider keeps at most this share of its budget (1: no cap). (share of
    budget per quarter)
    """
    ico_trust_risk_share: float
    """Share of an alliance's (ICO's) contract result borne by its trust partner. (share)"""
    trust_capacity_adjustment_per_year: float
    """Share of the gap between a trust's capacity and the capacity it plans for that it closes
    in a year (adjustment costs make the move gradual). (share of the gap a year)
    """
    trust_capacity_change_cap_per_year: float
    """Largest change in a trust's capacity in one year, up or down. (share of capacity a year)"""
    trust_capacity_adjustment_cost_years: float
    """One-off cost of opening or closing a unit of capacity, in years of that unit's running
    (fixed) cost: recruitment, commissioning, redundancy. (years of running cost)
    """
    trust_deficit_years_to_intervention: int
    """Consecutive years in deficit after which the regulator intervenes in a trust (capacity
    frozen, cost improvement required) until it has a year in surplus. (years)
    """
    trust_cost_improvement_per_year: float
    """Cost improvement the regulator requires of a trust under intervention: its running cost
    per unit of capacity falls by this share a year. (share of running cost a year)
    """
    procurement_quarters: int
    """Quarters from a tender notice to the contract's start (a procurement in progress).
    (quarters)
    """
    procurements_at_once: int
    """Integrated-contract procurements a commissioner can run at the same time. (procurements
    per commissioner)
    """
    procurement_cost_gbp: float
    """What running a procurement costs the commissioner (specification, evaluation, advice).
    (£ per procurement)
    """
    commissioner_record_weight_quarters: int
    """Weight of a bidder's promised quality when the commissioner judges it, in quarters of
    observed outcome achievement: judged quality = (k x promised + n x observed) / (k + n).
    (quarters)
    """
    bidder_risk_aversion: float
    """A bidder's risk premium a year = r x SD^2 / (2 W): SD of the yearly result it would keep
    under the contract's risk-sharing terms, W what it can lose in a year. (relative risk
    aversion)
    """
    bid_markup_step: float
    """How far a bidder moves its markup after a tender: up by this share after a win, down
    after a loss. (share of the markup)
    """
    trust_bid_quality: float
    """Quality a trust brings to a bid before coordination capacity (a federation brings its
    members' quality). (quality (0-1))
    """
    gp_fte_per_head: float
    """Full-time equivalent of a GP in post (the model counts heads; outputs report FTE). (FTE
    per GP)
    """
    initial_gp_vacancy_rate: float
    """Share of GP posts vacant at the start. (share of posts)"""
    gp_leaving_under_55_per_year: float
    """Yearly chance a GP under 55 leaves general practice (emigration, other careers, career
    breaks). (share a year)
    """
    gp_leaving_55_59_per_year: float
    """Yearly chance a GP aged 55-59 retires or leaves. (share a year)"""
    gp_leaving_60_plus_per_year: float
    """Yearly chance a GP aged 60 or over retires or leaves. (share a year)"""
    salaried_gp_pay_gbp_per_year: float
    """What a GP earns in a salaried post: a partner's outside option. (£ per year)"""
    partner_quit_pay_per_year: float
    """Extra yearly chance a partner quits the partnership (for salaried or locum work) per
    unit of shortfall of its profit per partner below salaried pay (0.5 = half of it).
    (share a year per unit of pay shortfall)
    """
    partner_quit_workload_per_year: float
    """Extra yearly chance a partner quits per unit of need-adjusted patients per GP above the
    practice's own starting level. (share a year per unit of excess workload)
    """
    gp_entrants_per_1000_gps_per_year: float
    """National supply: GPs seeking posts each year (newly qualified GPs and returners), per
    1,000 GPs in post at the start. Vacancies compete for them; those no vacancy takes work
    elsewhere. (GPs per 1,000 GPs at the start per year)
    """
    gp_vacancy_fill_per_quarter: float
    """Fastest rate at which a vacancy at a practice of average attractiveness is filled when
    GPs seeking posts are plentiful: the chance of filling it in a quarter is 1 - exp(-rate
    x attractiveness), lower when the national supply runs short. (rate a quarter)
    """
    gp_attraction_profit: float
    """How much more a GP seeking a post is drawn to a practice per unit of its profit per
    partner relative to the national mean. (log-attractiveness per unit of relative profit)
    """
    gp_attraction_workload: float
    """How much a practice's excess workload per GP (above its starting level) puts off GPs
    seeking a post. (log-attractiveness per unit of excess workload)
    """
    gp_attraction_network: float
    """Draw of a practice in a federation or network (shared staff, support, sessions
    elsewhere). (log-attractiveness)
    """
    gp_attraction_rural: float
    """Penalty of a rural practice in recruiting. (log-attractiveness)"""
    new_gp_partner_share: float
    """Share of recruits who join as partners; the rest are salaried. (share of recruits)"""
    locum_cover_share: float
    """Share of vacant posts a practice covers with locums. (share of vacancies)"""
    locum_premium_gbp_per_year: float
    """What a locum costs above a salaried GP in the same post. (£ per locum-covered post per
    year)
    """
    understaffed_patients_per_gp: float
    """Patients per FTE GP (locums included) above which a practice that has lost staff since
    the start cannot cope: it counts as failing and seeks a merger or hands back its
    contract. (patients per FTE GP)
    """
    patient_switching_per_1000_per_year: float
    """Patients who change practice each year without moving home; they choose among the open
    practices near their own. (patients per 1,000 per year)
    """
    patient_choice_quality_per_sd: float
    """Weight a switching patient puts on a practice's quality (per standard deviation of
    quality across practices). (log-odds per SD of quality)
    """
    patient_choice_distance_per_km: float
    """Weight a switching patient puts on distance to a practice (most choose by proximity).
    (log-odds per km)
    """
    quality_admission_effect: float
    """Fall in emergency admissions per unit of quality above the mean (smaller practices: more
    avoidable admissions, IFS 2014). (per unit quality)
    """
    induced_demand_elasticity: float
    """Supply-induced demand under payment by results: extra activity per unit of the referral
    trust's spare capacity (fee-for-service raises volumes: Cochrane CD002215). (per unit
    spare capacity)
    """
    practice_working_capital_quarters: float
    """Reserves partners keep in the practice before drawing profit. (quarters of expenses)"""
    exit_profit_threshold_share: float
    """A practice is failing while its annualised profit per partner is below this share of
    £106,100 (NHS IC, 2011/12). (share of national mean profit per partner)
    """
    exit_quarters: int
    """Consecutive failing quarters before a practice exits. (quarters)"""
    merge_probability: float
    """Chance an exiting practice merges into a neighbour rather than handing back its
    contract. (probability)
    """
    federation_reconsider_share: float
    """Share of open practices that reconsider their federation choice each quarter (the rest
    keep it: inertia). (share of practices per quarter)
    """
    federation_autonomy_cost_gbp_per_year: float
    """Mean value a practice puts on its autonomy: the cost to it of being in a federation
    (lognormal across practices). (£ per practice per year)
    """
    federation_autonomy_cost_sd: float
    """Spread of the autonomy cost across practices (SD of its logarithm). (log SD)"""
    federation_choice_noise_gbp_per_year: float
    """Scale of the logit choice over federation options: larger means choices depend less on
    value. (£ per year)
    """
    backoffice_saving_gbp_per_patient_per_year: float
    """Pooled back-office saving per patient of a federation of 50,000 patients; total saving
    scales as (list / 50,000) ^ backoffice_saving_exponent. (£ per patient per year at
    50,000 patients)
    """
    backoffice_saving_exponent: float
    """Concavity of pooled back-office savings in the federation's list (beta < 1). (exponent)"""
    coordination_cost_gbp_per_year: float
    """Governance and coordination cost of a federation of 10 practices; scales as (members /
    10) ^ coordination_cost_exponent. (£ per year at 10 members)
    """
    coordination_cost_exponent: float
    """Convexity of coordination cost in the number of members (gamma > 1). (exponent)"""
    risk_pooling_value_gbp_per_patient_per_year: float
    """Value of spreading a member's losses over the federation's reserves, at full
    diversification; scales as 1 - 1/sqrt(members). (£ per patient per year)
    """
    federation_sharing_rule: Literal["list", "equal", "shapley", "performance"]
    """How a federation shares its surplus or loss among members: by list, equally, by Shapley
    value, or by performance (each member of a contract-holding federation is first paid the
    holder's kept share of the hospital spend its own patients saved against their expected
    spend; the rest by list).
    """
    shapley_exact_max_members: int
    """Largest federation whose Shapley values are computed exactly; larger ones are estimated
    from sampled orderings. (members)
    """
    shapley_samples: int
    """Member orderings sampled to estimate Shapley values of larger federations. (orderings)"""
    federation_leave_quarters: int
    """Quarters in a row a member's share must fall below its stand-alone value before it
    leaves. (quarters)
    """
    federation_learning_rate: float
    """How members learn what their federation is worth: the weight of each quarter's payments
    in their smoothed record, and how fast that record displaces the value they expected
    when they joined. (weight of the latest quarter)
    """
    federation_retained_share: float
    """Share of a federation's positive surplus kept as reserves before paying members. (share
    of surplus)
    """
    federation_reserve_target_quarters: float
    """Reserves above which a federation pays out all its surplus. (quarters of members'
    expenses)
    """
    entrant_cost_efficiency: float
    """An outside entrant's expected cost relative to the baseline, before integration. (ratio)"""
    entrant_quality: float
    """Quality an outside entrant brings to a bid before coordination capacity (a trust brings
    trust_bid_quality: it knows the local system). (quality (0-1))
    """
    bid_markup: float
    """Markup of a bidder's first bid over its expected cost; each bidder then adapts its own
    after every tender (bid_markup_step). (share of expected cost)
    """
    care_effort_cost_gbp_per_patient_per_year: float
    """What full care-management effort costs a practice: case managers, care plans and
    referral review for its patients with long-term conditions (cost rises in proportion to
    effort). (£ per patient per year at full effort)
    """
    avoidable_emergency_share: float
    """Share of emergency admissions that better primary and community care could avoid
    (ambulatory-care-sensitive). (share of emergency admissions)
    """
    care_effort_avoidable_reduction: float
    """Share of avoidable emergency admissions a practice's full care-management effort
    prevents (with diminishing returns below full effort). (share of avoidable emergency
    admissions)
    """
    care_effort_elective_reduction: float
    """Share of elective admissions a practice's full effort on managing referrals avoids (with
    diminishing returns below full effort). (share of elective admissions)
    """
    care_effort_returns_curvature: float
    """beta in the share of the full-effort reduction achieved at effort e, (1 - exp(-beta e))
    / (1 - exp(-beta)): larger means faster diminishing returns. (per unit of effort)
    """
    quality_effort_gain: float
    """How far full care-management effort raises a practice's quality target (clinical
    indicators achieved for patients with long-term conditions). (quality (0-1) at full
    effort)
    """
    quality_strain_loss: float
    """How far a practice's quality target falls per unit of need-adjusted patients per GP
    above its own starting level (0.5 = half as many again). (quality (0-1) per unit of
    excess workload)
    """
    quality_adjustment_per_year: float
    """Share of the gap between a practice's quality and its target closed in a year (staff,
    systems and habits change slowly). (share of the gap a year)
    """
    integration_max_effect: float
    """Organisational effect of integrated care beyond its members' effort: the largest share
    of emergency admissions a holder's coordination itself avoids (I_max). Off by default:
    the effect of a contract comes from the care effort its incentives buy. (share of
    emergency admissions)
    """
    integration_capacity_rate: float
    """kappa in I = I_max (1 - exp(-kappa C)), C the holder's coordination capacity. (per unit
    of capacity)
    """
    integration_ramp_quarters: int
    """Quarters a holder needs to reach its full coordination capacity. (quarters)"""
    trust_coordination_capacity: float
    """Coordination capacity of a trust (a federation has sqrt(list / 100,000)). (capacity
    units)
    """
    holder_cost_sd: float
    """SD of a holder's realised cost around its expected cost (epsilon). (share of budget per
    quarter)
    """
    merger_saving_gbp_per_patient_per_year: float
    """Overheads two practices save by merging (one back office, shared premises and rotas),
    per patient of the merged list; the merged practice's expenses fall by it. (£ per
    patient per year)
    """
    merger_cost_gbp: float
    """What a merger costs the merged practice once (legal, IT, registration and premises);
    partners weigh it spread over five years. (£ per merger)
    """
    federation_switch_cost_gbp: float
    """What moving from one federation to another costs a practice once (new agreements, data
    sharing, systems, staff time); it switches only for a gain beyond this spread over five
    years. (£ per switch)
    """
    federation_merger_cost_gbp: float
    """What merging two federations costs once (governance, legal, systems); each side's
    members weigh half of it spread over five years. (£ per merger)
    """
    merger_hurdle_share: float
    """How much each partnership's pay for work per partner must rise before it gives up its
    independence in a merger. (share of pay for work)
    """
    opt_in_risk_aversion: float
    """Under the optional regime a federation's members offer themselves for the contract when
    its expected margin exceeds this many standard deviations of the yearly result they
    would keep (mean minus a risk-aversion term). (SDs of the retained result)
    """
    right_of_return_quarters: int
    """Quarters in a row an opt-in contract must lose money before its members use their right
    of return to GMS (the contract is handed back). (quarters)
    """
    handback_loss_share: float
    """A trust or entrant hands a contract back once its losses on it exceed this share of a
    year's value (a federation hands back when it cannot cover its losses). (share of annual
    contract value)
    """
