"""The real world: the executor code bound to the OS runtime."""

from simfutures.executor.world import bind
from simfutures.real.runtime import OS_RUNTIME

WORLD = bind(OS_RUNTIME)
