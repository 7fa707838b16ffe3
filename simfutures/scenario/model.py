"""The scenario model: frozen attrs classes, one per YAML construct.

Every node carries the Location it was written at, so a failing claim or a
step that misbehaves can be reported as ``file:line``. Locations take no part
in equality: two scenarios that say the same thing compare equal.
"""

from __future__ import annotations

import attrs

from simfutures.scenario.values import Value


@attrs.frozen
class Location:
    path: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


UNKNOWN = Location("<unknown>", 0, 0)


@attrs.frozen
class Node:
    """Base of every model class: where in the file it was written.

    Keyword-only so subclasses may declare fields without defaults; left out
    of equality and repr because it is provenance, not meaning.
    """

    loc: Location = attrs.field(default=UNKNOWN, eq=False, repr=False, kw_only=True)


# --- tasks -------------------------------------------------------------------


@attrs.frozen
class FixedDuration(Node):
    seconds: float


@attrs.frozen
class RangeDuration(Node):
    """Uniformly random in [min, max]; the simulator's seeded RNG draws it."""

    min: float
    max: float


@attrs.frozen
class ArgDuration(Node):
    """Sleep for as many seconds as the task's first argument says."""



Duration = FixedDuration | RangeDuration | ArgDuration


@attrs.frozen
class ReturnValue(Node):
    value: Value


@attrs.frozen
class ReturnFirstArg(Node):
    """The default when a task has no ``returns``: echo the first argument (or None)."""



ReturnSpec = ReturnValue | ReturnFirstArg


@attrs.frozen
class RaiseSpec(Node):
    type: str  # one of vocabulary.RAISABLE
    message: str = ""


@attrs.frozen
class CallSpec(Node):
    """The user's function a task calls: ``module:attribute``, the module looked up
    in ``directory`` (the scenario file's, absolute) first, then on ``sys.path``."""

    module: str
    attribute: str  # may be dotted: Class.method
    directory: str = attrs.field(eq=False)

    @property
    def text(self) -> str:
        return f"{self.module}:{self.attribute}"


@attrs.frozen
class TaskSpec(Node):
    """What one call of a named task kind does, in this order:
    print, wait for the event, sleep, kill itself, then raise or return.
    Or, with ``call``, only this: call the user's function with the arguments."""

    name: str
    duration: Duration | None = None
    returns: ReturnSpec = ReturnFirstArg()
    raises: RaiseSpec | None = None
    prints: str | None = None
    kill_self: str | None = None  # a signal name; process executors only
    wait_event: str | None = None  # thread executors only
    call: CallSpec | None = None  # excludes every other field


@attrs.frozen
class InitializerSpec(Node):
    """The pool's worker initializer: prints, sleeps, then maybe raises
    (which breaks the pool, as in concurrent.futures)."""

    duration: Duration | None = None
    prints: str | None = None
    raises: RaiseSpec | None = None


@attrs.frozen
class ExecutorSpec(Node):
    kind: str  # "thread" | "process"
    max_workers: int
    initializer: InitializerSpec | None = None
    max_tasks_per_child: int | None = None


# --- steps -------------------------------------------------------------------
# ``name`` (written ``as:``) names a step's outcome for claims; handles name
# submitted futures. Both share one namespace.


@attrs.frozen
class SubmitStep(Node):
    task: str
    handle: str
    args: tuple = ()


@attrs.frozen
class MapStep(Node):
    """executor.map(task, items, timeout=, chunksize=), consumed at once."""

    task: str
    items: tuple
    timeout: float | None = None
    chunksize: int = 1
    name: str | None = None


@attrs.frozen
class AsCompletedStep(Node):
    """Iterate as_completed over ``handles`` (all submitted so far if the
    file gave none; the loader fills them in), recording the yield order."""

    handles: tuple[str, ...]
    timeout: float | None = None
    name: str | None = None


@attrs.frozen
class WaitStep(Node):
    handles: tuple[str, ...]
    timeout: float | None = None
    return_when: str = "ALL_COMPLETED"
    name: str | None = None


@attrs.frozen
class ResultStep(Node):
    handle: str
    timeout: float | None = None
    name: str | None = None


@attrs.frozen
class ExceptionStep(Node):
    handle: str
    timeout: float | None = None
    name: str | None = None


@attrs.frozen
class CancelStep(Node):
    handle: str
    name: str | None = None


@attrs.frozen
class SleepStep(Node):
    seconds: float


@attrs.frozen
class KillWorkerStep(Node):
    """Signal the worker process that ran ``handle`` (after waiting for it to be done)."""

    handle: str
    signal: str = "SIGKILL"


@attrs.frozen
class ShutdownStep(Node):
    wait: bool = True
    cancel_futures: bool = False


@attrs.frozen
class SetEventStep(Node):
    event: str


Step = (
    SubmitStep
    | MapStep
    | AsCompletedStep
    | WaitStep
    | ResultStep
    | ExceptionStep
    | CancelStep
    | SleepStep
    | KillWorkerStep
    | ShutdownStep
    | SetEventStep
)


# --- claims ------------------------------------------------------------------


@attrs.frozen
class StateIs(Node):
    """Handle ``handle`` was in ``state`` right after the last step."""

    handle: str
    state: str


@attrs.frozen
class Returns(Node):
    """``subject`` (a handle or a named step) produced ``value``."""

    subject: str
    value: Value


@attrs.frozen
class Raises(Node):
    """``subject`` raised ``exception`` (or a subclass), with ``message`` if given."""

    subject: str
    exception: str
    message: str | None = None


@attrs.frozen
class OrderIs(Node):
    """A named as_completed or map step yielded exactly ``items``, in order."""

    subject: str
    items: tuple


@attrs.frozen
class CompletedOrder(Node):
    """Submitted handles that completed (not cancelled), in completion order."""

    handles: tuple[str, ...]


@attrs.frozen
class TimeIs(Node):
    """The virtual time (seconds since the run began) of ``event`` for ``subject``."""

    event: str  # vocabulary.TIME_EVENTS
    subject: str
    equals: float | None = None
    at_least: float | None = None
    at_most: float | None = None


@attrs.frozen
class Printed(Node):
    """The lines tasks printed: exactly ``equals`` (in time order), or one of
    them is ``contains``."""

    equals: tuple[str, ...] | None = None
    contains: str | None = None


@attrs.frozen
class DataRaceSeen(Node):
    """The run showed a data race in the user's code (see simfutures.explore.races);
    with ``site`` (an absolute ``path:line``), one of its two accesses is there."""

    site: str | None = None


Predicate = (StateIs | Returns | Raises | OrderIs | CompletedOrder | TimeIs | Printed
             | DataRaceSeen)


@attrs.frozen
class Claim(Node):
    """``quantifier`` over all explored runs of the conjunction of ``predicates``
    (they must all hold in the same run)."""

    quantifier: str  # "always" | "sometimes" | "never"
    predicates: tuple[Predicate, ...]


# --- the whole file ------------------------------------------------------------


@attrs.frozen
class Scenario(Node):
    name: str
    executor: ExecutorSpec
    tasks: tuple[TaskSpec, ...] = ()
    steps: tuple[Step, ...] = ()
    expect: tuple[Claim, ...] = ()
    description: str = ""
    path: str = attrs.field(default="<string>", eq=False)

    def task(self, name: str) -> TaskSpec:
        for task in self.tasks:
            if task.name == name:
                return task
        raise KeyError(name)

    @property
    def calls_user_code(self) -> bool:
        """Whether some task runs the user's own function (``call:``)."""
        return any(task.call is not None for task in self.tasks)

    @property
    def claims_data_races(self) -> bool:
        """Whether some claim is about data races (so every run must look for them)."""
        return any(isinstance(p, DataRaceSeen) for c in self.expect for p in c.predicates)

    @property
    def handles(self) -> tuple[str, ...]:
        """Names of submitted futures, in submission order."""
        return tuple(s.handle for s in self.steps if isinstance(s, SubmitStep))
