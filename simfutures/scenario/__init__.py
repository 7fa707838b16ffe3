"""YAML scenario files: the model, its loader, and (with the simulator) a runner.

The loader and model are imported on first use: the pytest plugin imports this
package in every pytest session, most of which have no scenario at all.
"""

from __future__ import annotations

from typing import Any

from simfutures.scenario.errors import ScenarioError

__all__ = ["Scenario", "ScenarioError", "load_scenario", "parse_scenario"]


def __getattr__(name: str) -> Any:
    if name in ("load_scenario", "parse_scenario"):
        from simfutures.scenario import loader

        return getattr(loader, name)
    if name == "Scenario":
        from simfutures.scenario.model import Scenario

        return Scenario
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
