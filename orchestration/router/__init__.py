"""The router: per run, Lambda or Glue (or nothing), with batches, reasons and the cost of both routes.

A pure function over the plan's facts, the spec and a throughput model (the engine's measured
curves, ``curves.py``); ``batch_seconds`` is the one estimate of a batch's seconds; ``orchestration.planning``
gathers the facts and writes what the router decided.
"""

from __future__ import annotations

from .config import Prices, RoutingConfig, ThroughputModel
from .cost import RouteCost, StateCounts, cost_sentence
from .curves import Shape, interpolate
from .decide import Decision, EngineChoice, route
from .estimate import batch_seconds
from .facts import ObjectFacts, PlanFacts, format_label, human_bytes, human_seconds
from .limits import ROUTE_LIMITS, GlueRun, RouteLimit, glue_run

__all__ = [
    "route", "Decision", "EngineChoice", "PlanFacts", "ObjectFacts", "RoutingConfig", "ThroughputModel", "Prices",
    "StateCounts", "RouteCost", "cost_sentence", "format_label", "human_bytes", "human_seconds", "ROUTE_LIMITS",
    "RouteLimit", "GlueRun", "glue_run", "batch_seconds", "Shape", "interpolate",
]
