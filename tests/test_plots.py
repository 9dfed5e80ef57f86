"""The outcome panel: the drawer process that ``gpfed run`` starts draws the same picture."""

import pickle
import subprocess
import sys

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest

from gpfed.plots import PANEL, outcome_panel, panel_axes

pytestmark = pytest.mark.slow  # a fresh interpreter importing matplotlib


def test_drawer_draws_the_panel_pixel_for_pixel(small_run, tmp_path):
    """The drawer renders the empty panel before the series arrive; the picture is unchanged."""
    frame = small_run.to_frame()
    plt.close(outcome_panel(frame, str(tmp_path / "direct.png")))
    drawer = subprocess.run(
        [sys.executable, "-m", "gpfed.plots", str(tmp_path / "drawer.png")],
        input=pickle.dumps(frame),
        capture_output=True,
        timeout=120,
    )
    assert drawer.returncode == 0, drawer.stderr.decode()
    direct, drawn = (mpimg.imread(tmp_path / f"{name}.png") for name in ("direct", "drawer"))
    assert direct.shape == (1430, 1980, 4)
    assert np.array_equal(direct, drawn)


def test_panel_axes_are_titled_in_panel_order():
    fig, axes = panel_axes()
    try:
        assert [ax.get_title() for ax in axes.ravel()] == [title for _, title in PANEL]
        assert not any(ax.lines for ax in axes.ravel())
    finally:
        plt.close(fig)
