"""The output-guided search (``explore.output_search``) finds the schedule that prints a
rare real output, and gives up on an impossible one."""

from __future__ import annotations

from seed_docs import SEEDS_DIR, normalise

from simfutures.explore.output_search import schedule_printing
from simfutures.program import ScriptProgram
from simfutures.sim.chooser import ReplayChooser, chooser_for_seed

# A real run on a loaded machine: the worker's "10: sleeping" and main's next print tore
# into one line (measured once under CI load; seeded walks missed it in 30,000 seeds).
TORN = """main: starting
main: submitting 10
10: sleepingmain: submitting 9

""" + "".join(f"main: submitting {n}\n" for n in range(8, 0, -1)) + "".join(
    f"{n}: canceled\n" for n in range(1, 9)) + """main: did not cancel 9
main: did not cancel 10
9: sleeping
10: done
10: not canceled
9: done
9: not canceled
"""


def test_a_torn_real_output_is_found_and_replays():
    program = ScriptProgram(SEEDS_DIR / "futures_future_callback_cancel.py")
    assert all(program.run(chooser_for_seed(seed)).stdout != TORN for seed in range(200))
    schedule = schedule_printing(program, TORN, max_runs=2000)
    assert schedule is not None
    assert program.run(ReplayChooser(schedule)).stdout == TORN


def test_an_output_no_schedule_prints_is_given_up_on():
    program = ScriptProgram(SEEDS_DIR / "futures_future_callback_cancel.py")
    impossible = TORN.replace("main: starting", "main: started")
    assert schedule_printing(program, impossible, max_runs=50, normalise=normalise) is None


# The second worker starts task 9 only after main's whole submit-and-cancel loop (seen in
# about a quarter of real runs on one loaded machine: the GIL let main run on); a random
# walk keeps main running through ~25 choices with probability ~2**-25.
LATE_START = "".join(f"{line}\n" for line in [
    "main: starting", "main: submitting 10", "10: sleeping",
    *(f"main: submitting {n}" for n in range(9, 0, -1)),
    *(f"{n}: canceled" for n in range(1, 9)),
    "main: did not cancel 9", "main: did not cancel 10",
    "9: sleeping", "10: done", "10: not canceled", "9: done", "9: not canceled"])


def test_a_late_start_is_found_and_replays():
    program = ScriptProgram(SEEDS_DIR / "futures_future_callback_cancel.py")
    schedule = schedule_printing(program, LATE_START, max_runs=200)
    assert schedule is not None
    assert program.run(ReplayChooser(schedule)).stdout == LATE_START
