"""Named random streams, one per decision process, all derived from the model's one seed.

Each process (demand noise, practice costs, exits, ...) draws from its own generator, spawned
from the run's SeedSequence with a key derived from the stream's name. Adding a draw to one
process therefore leaves every other process's draws unchanged (common random numbers across
scenarios), and the streams do not depend on the order in which they are first used.
"""

from __future__ import annotations

import zlib

import numpy as np


def seed_sequence(rng: object) -> np.random.SeedSequence:
    """Turn anything Mesa accepts as ``rng`` into a SeedSequence (fresh entropy for None)."""
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(2**63)))
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer):
        raise TypeError(f"rng must be an int, a SeedSequence, a Generator or None, not {rng!r}")
    if rng < 0:
        raise ValueError(f"rng = {rng}; a seed must be a non-negative integer")
    return np.random.SeedSequence(int(rng))


class RandomStreams:
    """Generators by process name, spawned from one SeedSequence.

    Args:
        root: the run's SeedSequence.
    """

    def __init__(self, root: np.random.SeedSequence) -> None:
        self.root = root
        self._streams: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        """The generator of process ``name`` (created on first use)."""
        if name not in self._streams:
            key = (*self.root.spawn_key, zlib.crc32(name.encode()))
            child = np.random.SeedSequence(self.root.entropy, spawn_key=key)
            self._streams[name] = np.random.default_rng(child)
        return self._streams[name]
