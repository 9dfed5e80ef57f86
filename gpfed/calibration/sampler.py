"""A pyabc sampler whose result does not depend on how many workers run it.

pyabc's parallel samplers reseed every worker from the operating system and keep whichever
particles finish first, so a population depends on timing. This one numbers the candidate
particles of each generation and seeds candidate ``k`` of generation ``t`` from the root seed's
``SeedSequence`` (spawn key ``(t + 1, k)``): its parameters, drawn by pyabc from the prior or the
transition, and its run are fixed by that seed alone. Candidates run in batches on any
``concurrent.futures`` executor (a local process pool or a Dask client's executor) or in
process, and the population is the first ``n`` accepted candidates in candidate order, exactly
what one process sampling one candidate after another would accept. Candidates beyond the
``n``-th acceptance in the last batch are discarded and not counted, so the record of
simulations is the same on one worker or many, and a generation resumed after an interruption
is sampled again identically.
"""

from __future__ import annotations

import concurrent.futures as cf
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

TASKS_PER_WORKER = 2
"""Tasks in flight per worker in each batch (keeps every worker busy while a batch drains)."""

CANDIDATES_PER_TASK = 2
"""Candidates one task evaluates (amortises sending pyabc's sampling closure)."""


def candidate_seed(root: int, generation: int, candidate: int) -> int:
    """The 32-bit seed of one candidate (numpy's global generator takes 32 bits)."""
    key = (generation + 1, candidate)  # pyabc's prior sample for calibration is generation -1
    return int(np.random.SeedSequence(root, spawn_key=key).generate_state(1, np.uint32)[0])


def _evaluate(payload: bytes, seeds: Sequence[int]) -> list[Any]:
    """Run pyabc's ``simulate_one`` once per seed, each from its own seeded global state."""
    simulate_one = cloudpickle.loads(payload)
    particles = []
    for seed in seeds:
        # pyabc draws parameters from numpy's and Python's global generators.
        np.random.seed(seed)  # noqa: NPY002 (pyabc reads the global generator)
        random.seed(seed)
        particles.append(simulate_one())
    return particles


class SeededSampler(Sampler):
    """Sample candidates in seeded, numbered batches on an executor (module docstring).

    pyabc draws from numpy's global generator, so the executor's workers must be processes
    running one task at a time (a local process pool, Dask workers with one thread each), never
    threads sharing one process.

    Args:
        seed: root seed of every candidate.
        executor: where batches run (None: in this process).
        workers: how many run at once on ``executor`` (sets the batch size).
        progress: a callable that makes a progress bar from ``total`` and ``desc`` (tqdm's
            signature), or None.
    """

    def __init__(
        self,
        seed: int,
        executor: cf.Executor | None = None,
        workers: int = 1,
        progress: Callable[..., Any] | None = None,
    ) -> None:
        super().__init__()
        self.seed = seed
        self.executor = executor
        self.workers = max(1, workers)
        self.progress = progress

    def _batches(self, payload: bytes, generation: int) -> Iterator[Any]:
        """Every candidate's particle of one generation, in candidate order, batch by batch."""
        size = CANDIDATES_PER_TASK * TASKS_PER_WORKER * self.workers
        start = 0
        while True:
            seeds = [candidate_seed(self.seed, generation, k) for k in range(start, start + size)]
            tasks = [
                seeds[i : i + CANDIDATES_PER_TASK] for i in range(0, size, CANDIDATES_PER_TASK)
            ]
            if self.executor is None:
                results = [_evaluate(payload, task) for task in tasks]
            else:
                futures = [self.executor.submit(_evaluate, payload, task) for task in tasks]
                results = [future.result() for future in futures]
            for particles in results:
                yield from particles
            start += size

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Callable[[], Any],
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,
        ana_vars: Any = None,
    ) -> Any:
        """The first ``n`` accepted particles of generation ``t`` in candidate order."""
        payload = cloudpickle.dumps(simulate_one)
        sample = self._create_empty_sample()
        evaluations = 0
        bar = self.progress(total=n, desc=f"generation {t}") if self.progress else None
        try:
            for particle in self._batches(payload, t):
                if evaluations >= max_eval:
                    break
                sample.append(particle)
                evaluations += 1
                if particle.accepted:
                    if bar is not None:
                        bar.update(1)
                    if sample.n_accepted >= n:
                        break
        finally:
            if bar is not None:
                bar.close()
        self.nr_evaluations_ = evaluations
        if sample.n_accepted < n:
            sample.ok = False
        return sample
