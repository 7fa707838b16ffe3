"""YAML scenario files: the model, its loader, and (with the simulator) a runner."""

from simfutures.scenario.errors import ScenarioError
from simfutures.scenario.loader import load_scenario, parse_scenario
from simfutures.scenario.model import Scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario", "parse_scenario"]
