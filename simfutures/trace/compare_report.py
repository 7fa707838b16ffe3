"""The comparison report as text: one block per distinct real outcome, then the verdict."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simfutures.sim.chooser import Schedule
    from simfutures.trace.compare import ComparisonReport, RealOutcome

#: Lines of an outcome shown before the rest is summarised.
MAX_LINES = 40


def _indented(text: str, prefix: str = "    ") -> list[str]:
    lines = text.split("\n")
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES - 1] + [f"... {len(lines) - MAX_LINES + 1} more lines",
                                        lines[-1]]
    return [prefix + line for line in lines]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _runs(runs: tuple[int, ...]) -> str:
    label = "run" if len(runs) == 1 else "runs"
    return f"{label} " + ", ".join(map(str, runs))


def _outcome_block(number: int, outcome: RealOutcome, report: ComparisonReport,
                   replay: Callable[[int], str] | None,
                   replay_schedule: Callable[[Schedule], str] | None) -> list[str]:
    head = f"real outcome {number} ({_runs(outcome.runs)} of {report.real_runs}): "
    if outcome.sim_seed is not None:
        head += (f"the simulator produces it: seed {outcome.sim_seed} "
                 f"({outcome.sim_count} of {report.sim_runs} schedules)")
    elif outcome.schedule is not None:
        head += (f"the simulator produces it: none of the {report.sim_runs} seeded "
                 "schedules did, a search for this output found one")
    else:
        head += f"NOT produced by any of the {report.sim_runs} simulated schedules"
    lines = [head, *_indented(outcome.text)]
    if outcome.sim_seed is not None and replay is not None:
        lines.append(f"  replay: {replay(outcome.sim_seed)}")
    elif outcome.schedule is not None and replay_schedule is not None:
        lines.append(f"  replay: {replay_schedule(outcome.schedule)}")
    if outcome.closest_text is not None:
        lines.append(f"  closest simulated outcome (seed {outcome.closest_seed}), "
                     "real vs sim:")
        diff = difflib.unified_diff(outcome.text.split("\n"), outcome.closest_text.split("\n"),
                                    "real", f"sim seed {outcome.closest_seed}", lineterm="", n=2)
        lines += _indented("\n".join(diff))
        if replay is not None:
            lines.append(f"  replay that one: {replay(outcome.closest_seed)}")  # type: ignore[arg-type]
    return lines


def render_report(report: ComparisonReport, *, replay: Callable[[int], str] | None = None,
                  replay_schedule: Callable[[Schedule], str] | None = None) -> str:
    title = f"{report.title}: " if report.title else ""
    lines = [f"{title}{_plural(report.real_runs, 'real run')}, "
             f"{_plural(report.sim_runs, 'simulated schedule')} "
             f"({_plural(report.sim_distinct, 'distinct outcome')})", ""]
    for number, outcome in enumerate(report.real, 1):
        lines += _outcome_block(number, outcome, report, replay, replay_schedule)
        lines.append("")
    unseen = report.unseen_in_reality
    if unseen:
        seeds = ", ".join(str(seed) for _, seed in unseen[:8]) + (", ..." if len(unseen) > 8
                                                                  else "")
        real = _plural(report.real_runs, "real run")
        lines.append(f"simulated outcomes the {real} did not show: {len(unseen)} "
                     f"(seeds {seeds}); expected: real runs favour a few interleavings, "
                     "so this proves nothing by itself")
    else:
        lines.append("every simulated outcome also showed up in the "
                     f"{_plural(report.real_runs, 'real run')}")
    for note in report.notes:
        lines.append(f"note: {note}")
    if report.ok:
        lines.append("verdict: OK, every real outcome is one the simulator produces")
    else:
        searched = (f", nor did a search guided by its output ({report.search_runs} runs)"
                    if report.search_runs else "")
        lines.append(
            f"verdict: MISMATCH, reality did something none of the {report.sim_runs} "
            f"simulated schedules did{searched}. That is evidence, not proof, of a behaviour "
            "the simulator does not model (or of nondeterminism besides scheduling): a "
            "rarer schedule might still produce it, so try more --sim-runs before "
            "concluding.")
    return "\n".join(lines) + "\n"
