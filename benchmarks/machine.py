"""The machine a benchmark ran on: versions and platform, stored with every result."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from typing import Any

import mesa
import numpy as np

import gpfed


def machine(**extra_versions: str) -> dict[str, Any]:
    """Python, platform, CPUs, numpy, Mesa and gpfed versions, the date, and ``extra_versions``."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable,
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "gpfed": gpfed.__version__,
        **extra_versions,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
