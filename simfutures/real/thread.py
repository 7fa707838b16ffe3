"""Mirror of ``concurrent.futures.thread`` for the real world."""

from concurrent.futures.thread import BrokenThreadPool  # noqa: F401

from simfutures.real._world import WORLD

ThreadPoolExecutor = WORLD.ThreadPoolExecutor
