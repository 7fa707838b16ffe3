"""Mirror of ``concurrent.futures.process`` for the real world."""

from concurrent.futures.process import BrokenProcessPool  # noqa: F401

from simfutures.real._world import WORLD

ProcessPoolExecutor = WORLD.ProcessPoolExecutor
