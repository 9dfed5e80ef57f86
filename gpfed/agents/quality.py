"""Practice quality that moves: raised by care effort, lowered by strain.

Each quarter quality q_i closes a share of the gap to its target

    q*_i = b_i + gamma_e e_i - gamma_s max(0, w_i / w0_i - 1)

with b_i the practice's own quality at the start (its staff, systems and premises), e_i its
care-management effort, w_i its workload per GP (need-weighted patients per GP working there,
locum cover included: :func:`gpfed.agents.workforce.workload_per_gp`) and w0_i its patients per GP
in post at the start. A practice at its starting workload and no extra effort stays where it
started; one whose GPs carry more patients, or more need per patient, slides. Quality drives QOF
income, patients' choice of practice and avoidable emergency admissions.
"""

from __future__ import annotations

import numpy as np

from gpfed.agents.workforce import excess_workload
from gpfed.parameters import Levers
from gpfed.world.state import PracticeState
from gpfed.world.units import QUARTERS_PER_YEAR


def quality_target(state: PracticeState, need_index: float, levers: Levers) -> np.ndarray:
    """q*: the quality each practice's effort and strain would settle it at (module docstring)."""
    strain = excess_workload(state, need_index, levers)
    target = (
        state.quality_base
        + levers.quality_effort_gain * state.care_effort
        - levers.quality_strain_loss * strain
    )
    return np.clip(target, 0.0, 1.0)


def move_quality(state: PracticeState, need_index: float, levers: Levers) -> np.ndarray:
    """This quarter's quality: a quarter of the yearly share of the gap to the target closed."""
    pace = 1.0 - (1.0 - levers.quality_adjustment_per_year) ** (1.0 / QUARTERS_PER_YEAR)
    target = quality_target(state, need_index, levers)
    return np.where(state.is_open, state.quality + pace * (target - state.quality), state.quality)
