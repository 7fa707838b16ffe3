"""The simulated world: the same executor code, bound to the virtual runtime."""

from simfutures.executor.world import bind
from simfutures.sim.runtime import SIM_RUNTIME, SimExecutor, SimFuture

WORLD = bind(SIM_RUNTIME, (SimFuture,), (SimExecutor,))
