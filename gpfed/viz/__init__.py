"""The browser page: Mesa's SolaraViz driving a gpfed model, one model per browser session.

``python -m gpfed.viz`` (or :func:`serve`) serves it on http://127.0.0.1:8765/. The page's
controls are generated from the parameter spec (:func:`model_params`) and build their model with
:func:`build_model`. Solara is imported only by the page itself (:mod:`gpfed.viz.app`).
"""

from gpfed.viz.controls import LEVERS, model_params
from gpfed.viz.factory import PolicyModel, build_model
from gpfed.viz.server import serve

__all__ = ["LEVERS", "PolicyModel", "build_model", "model_params", "serve"]
