"""Standard-library calls whose behaviour depends on the OS thread: under the simulator
every virtual thread shares one, so these are modelled (``sim/library_locks.py``,
``sim/patch.py``) to behave as they do on real threads."""

from __future__ import annotations

import signal
import threading

from simfutures.explore.search import ProgramSpec, SearchConfig, search
from simfutures.program import load_program
from simfutures.sim import simulate


def test_strptime_from_two_threads_never_hangs_on_its_cache_lock(tmp_path):
    # _strptime compiles a new format under a module-level lock made at import: a real
    # lock, which a second virtual thread waiting for it would block the one OS thread on
    # (probe: the watchdog stopped every run that split the compile).
    path = tmp_path / "parse.py"
    path.write_text(
        "import datetime, threading, time\n"
        "def parse(k):\n"
        "    for i in range(3):\n"
        "        pad = '#' * (k * 10 + i)  # a new format each call\n"
        "        time.strptime('2024' + pad, '%Y' + pad)\n"
        "        datetime.datetime.strptime('2024-7' + pad, '%Y-%d' + pad)\n"
        "threads = [threading.Thread(target=parse, args=(k,)) for k in range(2)]\n"
        "for t in threads: t.start()\n"
        "for t in threads: t.join()\n"
        "print('parsed')\n")
    result = search(ProgramSpec(str(path)), load_program(path), SearchConfig(runs=200))
    assert result.failures == 0
    assert [(group.key.stdout, group.key.error) for group in result.groups] == [("parsed\n", None)]


def _install_from_a_thread() -> list[str]:
    errors = []

    def install():
        for call in (lambda: signal.signal(signal.SIGUSR1, signal.SIG_DFL),
                     lambda: signal.set_wakeup_fd(-1)):
            try:
                call()
            except ValueError as error:
                errors.append(str(error))

    thread = threading.Thread(target=install)
    thread.start()
    thread.join()
    return errors


def test_signal_functions_refuse_a_thread_that_is_not_main_as_cpython_does():
    real = _install_from_a_thread()
    assert simulate(_install_from_a_thread) == real
    assert real == ["signal only works in main thread of the main interpreter",
                    "set_wakeup_fd only works in main thread of the main interpreter"]
    # the main thread may install a handler
    assert simulate(signal.signal, signal.SIGUSR1, signal.SIG_DFL) is not None
