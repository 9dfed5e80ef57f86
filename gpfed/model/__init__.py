"""The model: the starting economy (build) and GPFedModel, the quarter as a plan of stages."""

from gpfed.model.model import PLAN, GPFedModel

__all__ = ["PLAN", "GPFedModel"]
