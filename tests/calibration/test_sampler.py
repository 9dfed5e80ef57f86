"""The seeded sampler: candidates numbered and seeded, the first n accepted kept in order."""

import concurrent.futures as cf
import multiprocessing
from dataclasses import dataclass

import numpy as np

from gpfed.calibration.sampler import SeededSampler, candidate_seed


@dataclass
class Candidate:
    value: float
    accepted: bool
    preliminary: bool = False  # pyabc checks every particle was evaluated


def coin() -> Candidate:
    """A candidate accepted with probability 0.3, drawn from numpy's global generator."""
    value = float(np.random.random())  # noqa: NPY002 (the sampler seeds the global generator)
    return Candidate(value, value < 0.3)


def accepted_values(sampler: SeededSampler, n: int, generation: int) -> tuple[list[float], int]:
    sample = sampler.sample_until_n_accepted(n, coin, generation)
    return [p.value for p in sample.accepted_particles], sampler.nr_evaluations_


def test_candidate_seeds_differ_by_generation_and_number():
    seeds = {candidate_seed(7, t, k) for t in range(-1, 3) for k in range(50)}
    assert len(seeds) == 200
    assert candidate_seed(7, 0, 0) != candidate_seed(8, 0, 0)


def test_the_population_is_the_first_n_accepted_whatever_the_workers():
    one = accepted_values(SeededSampler(seed=3), 10, generation=1)
    spawn = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(2, mp_context=spawn) as pool:
        two = accepted_values(SeededSampler(seed=3, executor=pool, workers=2), 10, generation=1)
    assert one == two
    values, evaluations = one
    assert len(values) == 10 and all(v < 0.3 for v in values)
    # Sequentially, candidate k draws from its own seed: the same values in the same order,
    # and the evaluations counted stop at the tenth acceptance.
    expected, k = [], 0
    while len(expected) < 10:
        np.random.seed(candidate_seed(3, 1, k))  # noqa: NPY002
        candidate = coin()
        if candidate.accepted:
            expected.append(candidate.value)
        k += 1
    assert values == expected and evaluations == k


def test_a_run_out_of_evaluations_is_marked_not_ok():
    sampler = SeededSampler(seed=3)
    sample = sampler.sample_until_n_accepted(10, coin, 0, max_eval=5)
    assert not sample.ok and sampler.nr_evaluations_ == 5
