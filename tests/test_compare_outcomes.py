"""The comparison's core: matching real outcome texts against simulated ones."""

from __future__ import annotations

import pytest

from simfutures.trace.compare import (
    CompareError,
    compare_outcomes,
    ignore_line_breaks,
    outcome_text,
    real_ending,
    sim_ending,
)
from simfutures.trace.real_runs import exception_name


def test_every_real_outcome_produced_by_the_sim_is_ok() -> None:
    report = compare_outcomes(["a\n[exit 0]", "b\n[exit 0]", "a\n[exit 0]"],
                              {"a\n[exit 0]": 4, "b\n[exit 0]": 1, "c\n[exit 0]": 2},
                              sim_counts={"a\n[exit 0]": 5, "b\n[exit 0]": 3,
                                          "c\n[exit 0]": 2})
    assert report.ok and report.exit_code == 0
    assert [(o.runs, o.sim_seed, o.sim_count) for o in report.real] == [
        ((1, 3), 4, 5), ((2,), 1, 3)]
    assert report.sim_runs == 10 and report.sim_distinct == 3
    assert report.unseen_in_reality == (("c\n[exit 0]", 2),)
    assert "verdict: OK" in report.render()


def test_a_real_outcome_the_sim_never_produced_fails_with_the_closest_one() -> None:
    report = compare_outcomes(["x\ny\nZ\n[exit 0]"],
                              {"x\ny\nz\n[exit 0]": 7, "q\n[exit 1: ValueError]": 3})
    assert not report.ok and report.exit_code == 1
    [surprise] = report.surprises
    assert surprise.sim_seed is None and surprise.closest_seed == 7
    text = report.render(replay=lambda seed: f"simfutures run p.py --seed {seed}")
    assert "NOT produced by any of the 2 simulated schedules" in text
    assert "-Z" in text and "+z" in text  # a diff, real vs the closest sim outcome
    assert "simfutures run p.py --seed 7" in text
    assert "evidence, not proof" in text


def test_texts_are_normalised_before_matching() -> None:
    real = ["<F at 0x7f00aa001122> took 0.51s\n[exit 0]"]
    sim = {"<F at 0x7f5100000060> took 0.5s\n[exit 0]": 0}
    assert compare_outcomes(real, sim).ok


def test_the_smallest_seed_is_reported_for_an_outcome() -> None:
    sim = {"<F at 0x7f0000000001>\n[exit 0]": 9, "<F at 0x7f0000000002>\n[exit 0]": 3}
    report = compare_outcomes(["<F at 0x7f0000000003>\n[exit 0]"], sim)
    assert report.real[0].sim_seed == 3 and report.sim_distinct == 1


def test_runs_that_all_differ_and_match_nothing_get_a_note() -> None:
    report = compare_outcomes(["t=123\n[exit 0]", "t=456\n[exit 0]"], {"t=0\n[exit 0]": 0})
    assert not report.ok
    assert any("something other than scheduling" in n for n in report.notes)
    # One unmatched outcome among repeated ones is a finding, not noise: no note.
    report = compare_outcomes(["a\n[exit 0]", "a\n[exit 0]"], {"b\n[exit 0]": 0})
    assert report.notes == ()


def test_hangs_are_explained() -> None:
    report = compare_outcomes(["[hangs]"], {"[hangs]": 5})
    assert report.ok and any("time limit" in n for n in report.notes)


def test_no_real_runs_is_an_error() -> None:
    with pytest.raises(CompareError, match="at least 1"):
        compare_outcomes([], {"a": 0})


def test_ignore_line_breaks_keeps_the_order_of_printed_text() -> None:
    split = "A" + "B\n\n" + "[exit 0]"  # print("A") and print("B") racing
    clean = "A\nB\n[exit 0]"
    swapped = "B\nA\n[exit 0]"
    assert ignore_line_breaks(split) == ignore_line_breaks(clean)
    assert ignore_line_breaks(swapped) != ignore_line_breaks(clean)
    assert ignore_line_breaks("A\n[exit 0]") != ignore_line_breaks("A\n[exit 1]")
    report = compare_outcomes([split], {clean: 0, swapped: 1}, key=ignore_line_breaks)
    assert report.ok and report.real[0].sim_seed == 0
    assert report.real[0].text == split  # shown as reality printed it
    assert not compare_outcomes([split], {clean: 0}).ok


def test_outcome_text_normalises_output_and_states_the_ending() -> None:
    assert outcome_text("pid 31337\nok", "exit 0", [31337]) == "pid PID1\nok\n[exit 0]"
    assert outcome_text("", "hangs") == "[hangs]"


TRACEBACK = """Traceback (most recent call last):
  File "x.py", line 3, in <module>
    raise BrokenProcessPool("gone")
concurrent.futures.process.BrokenProcessPool: gone
"""


def test_endings_of_real_and_simulated_runs_agree() -> None:
    assert exception_name(TRACEBACK) == "BrokenProcessPool"
    assert exception_name("just a warning\n") is None
    assert real_ending(1, TRACEBACK) == sim_ending(1, "BrokenProcessPool: gone", False)
    assert real_ending(0, "") == sim_ending(0, None, False) == "exit 0"
    assert real_ending(None, "") == sim_ending(4, "deadlock: all threads wait", True) == "hangs"
    assert real_ending(-9, "") == "killed by signal 9"
    assert real_ending(3, "") == sim_ending(3, None, False) == "exit 3"  # sys.exit(3)
