"""Mirror of ``concurrent.futures._base`` for the real world."""

from concurrent.futures._base import (  # noqa: F401  (re-exported stdlib names)
    _AS_COMPLETED,
    _FUTURE_STATES,
    _STATE_TO_DESCRIPTION_MAP,
    ALL_COMPLETED,
    FIRST_COMPLETED,
    FIRST_EXCEPTION,
    BrokenExecutor,
    CancelledError,
    DoneAndNotDoneFutures,
    Error,
    InvalidStateError,
    TimeoutError,
)

from simfutures.executor.future import LOGGER  # noqa: F401
from simfutures.executor.states import (  # noqa: F401
    CANCELLED,
    CANCELLED_AND_NOTIFIED,
    FINISHED,
    PENDING,
    RUNNING,
)
from simfutures.real._world import WORLD

Future = WORLD.Future
Executor = WORLD.Executor
wait = WORLD.wait
as_completed = WORLD.as_completed
