"""What makes two runs "the same outcome", and the tally of outcomes over many runs."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable

import attrs

from simfutures.program import Outcome
from simfutures.sim.chooser import Schedule

# Default reprs (``<Foo object at 0x7f...>``) carry real memory addresses, which
# differ between processes and say nothing about the schedule: without masking
# them, one outcome would split into as many groups as there are processes.
# Some reprs give the address as a decimal ``id()`` (importlib's ``_ModuleLock('m') at
# 140266469961680``, in every concurrent import's _DeadlockError).
_ADDRESS = re.compile(r"\bat (?:0x[0-9a-fA-F]+|\d{9,})\b")
_MASKED = "at 0x…"
# Names ``tempfile`` makes (``mkdtemp``, ``NamedTemporaryFile``) are drawn from the run's
# seed: the same bug at another seed would be another outcome for its path alone.
_TEMPORARY_NAME = re.compile(re.escape(tempfile.gettempdir()) + r"/tmp[a-z0-9_]{8}")
_TEMPORARY_MASKED = tempfile.gettempdir() + "/tmp…"


def mask_addresses(text: str) -> str:
    """``text`` without what differs between runs of one outcome: memory addresses and
    temporary file names."""
    return _TEMPORARY_NAME.sub(_TEMPORARY_MASKED, _ADDRESS.sub(_MASKED, text))


@attrs.frozen
class OutcomeKey:
    """The observable result of a run: two runs with equal keys are one outcome."""

    stdout: str
    exit_code: int
    error: str | None  # one line: uncaught exception, deadlock, watchdog or limit
    observed: str | None = None  # a scenario's observation (scenarios print nothing)
    # What the run wrote to stderr (logging, warnings, a thread's uncaught exception),
    # without the main thread's final traceback, which ``error`` sums up.
    stderr: str = ""

    @property
    def failed(self) -> bool:
        return self.exit_code != 0 or self.error is not None


def key_of(outcome: Outcome) -> OutcomeKey:
    error = mask_addresses(outcome.error) if outcome.error is not None else None
    observed = observation_text(outcome.detail) if outcome.detail is not None else None
    return OutcomeKey(mask_addresses(outcome.stdout), outcome.exit_code, error, observed,
                      mask_addresses(own_stderr(outcome)))


def own_stderr(outcome: Outcome) -> str:
    """``outcome.stderr`` without the traceback of the exception that ended the run."""
    if outcome.report and outcome.stderr.endswith(outcome.report):
        return outcome.stderr[:len(outcome.stderr) - len(outcome.report)]
    return outcome.stderr


def observation_text(detail: object) -> str | None:
    """What a scenario run did, without its timestamps (they would make every run unique).

    Duck-typed on the scenario Observation (steps, handles, printed), so that
    other programs' details are simply not part of the outcome.
    """
    steps = getattr(detail, "steps", None)
    handles = getattr(detail, "handles", None)
    if steps is None or handles is None:
        return None
    lines = []
    for step in steps:
        name = f" {step.name}" if step.name else ""
        yielded = f", yielded {', '.join(map(str, step.yielded))}" if step.yielded else ""
        lines.append(f"{step.kind}{name}: {step.outcome}{yielded}")
    lines += [f"{handle.name}: {handle.state}, {handle.outcome}" for handle in handles]
    lines += [f"printed: {line}" for line in getattr(detail, "printed", ())]
    return mask_addresses("\n".join(lines))


def same_failure(a: OutcomeKey, b: OutcomeKey) -> bool:
    """Whether ``b`` fails the way ``a`` does (for shrinking: output may differ)."""
    return b.failed and a.exit_code == b.exit_code and a.error == b.error


@attrs.frozen
class OutcomeGroup:
    """One distinct outcome: how many runs had it, which (ascending run ids), and
    the recorded schedule of the first of them (it replays that run exactly)."""

    key: OutcomeKey
    count: int
    seeds: tuple[int, ...]
    example: Schedule

    @property
    def first(self) -> int:
        return self.seeds[0]


class Tally:
    """Accumulates run ids per outcome; merging tallies of disjoint runs is exact."""

    def __init__(self) -> None:
        self._seeds: dict[OutcomeKey, list[int]] = {}
        self._examples: dict[OutcomeKey, tuple[int, Schedule]] = {}
        self.runs = 0
        self.failures = 0

    def is_new(self, key: OutcomeKey) -> bool:
        return key not in self._seeds

    def add(self, run_id: int, key: OutcomeKey, schedule: Schedule | None) -> None:
        """Count a run; ``schedule`` is needed when the run might be its group's example."""
        seeds = self._seeds.get(key)
        if seeds is None:
            seeds = self._seeds[key] = []
        seeds.append(run_id)
        self._offer_example(key, run_id, schedule)
        self.runs += 1
        if key.failed:
            self.failures += 1

    def merge(self, groups: Iterable[OutcomeGroup]) -> None:
        for group in groups:
            self._seeds.setdefault(group.key, []).extend(group.seeds)
            self._offer_example(group.key, group.first, group.example)
            self.runs += group.count
            if group.key.failed:
                self.failures += group.count

    def _offer_example(self, key: OutcomeKey, run_id: int, schedule: Schedule | None) -> None:
        # The example is always the group's lowest run id, whatever order runs arrive in.
        held = self._examples.get(key)
        if schedule is not None and (held is None or run_id < held[0]):
            self._examples[key] = (run_id, schedule)

    @property
    def distinct(self) -> int:
        return len(self._seeds)

    def groups(self) -> tuple[OutcomeGroup, ...]:
        """Groups in order of their first run: the order a serial search meets them."""
        groups = [OutcomeGroup(key, len(seeds), tuple(sorted(seeds)), self._examples[key][1])
                  for key, seeds in self._seeds.items()]
        groups.sort(key=lambda g: g.first)
        return tuple(groups)
