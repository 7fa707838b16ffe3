"""Runs a script for real in a child interpreter, as ``python SCRIPT ARGS`` would.

Started by ``simfutures.trace.real_runs`` as
``python real_child.py PIDFILE TRACEFILE SCRIPT ARGS...`` (TRACEFILE may be
``-``).  On top of running the script it

* writes the pid of every process the script starts to PIDFILE, one per
  line, so the comparison can tell pids from other numbers in the output;
* with a TRACEFILE, aliases ``concurrent.futures`` to ``simfutures.real``,
  records its event stream and writes a Chrome trace there at exit.

It is run by path, not as ``-m``: without a trace nothing of simfutures is
imported, so a plain real run stays as close to ``python SCRIPT`` as it can.
"""

import os
import runpy
import sys


def _record_child_pids(pidfile):
    import multiprocessing.process

    original = multiprocessing.process.BaseProcess.start

    def start(self):
        original(self)
        # Appends from several threads or processes: one short write each.
        fd = os.open(pidfile, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{self.pid}\n".encode())
        finally:
            os.close(fd)

    multiprocessing.process.BaseProcess.start = start


def _trace_with_simfutures_real(tracefile, script):
    import atexit
    import concurrent
    import importlib

    real = importlib.import_module("simfutures.real")
    for sub in ("_base", "thread", "process"):
        sys.modules[f"concurrent.futures.{sub}"] = getattr(real, sub)
    sys.modules["concurrent.futures"] = real
    concurrent.futures = real

    from simfutures.trace.output import StdoutTap
    from simfutures.trace.perfetto import TraceRecorder

    recorder = TraceRecorder(process_name=os.path.basename(script) + " (real)")
    real.runtime.bus.subscribe(recorder)
    sys.stdout = StdoutTap(sys.stdout, real.runtime)
    # atexit runs after the pools' exit hooks have joined their workers.
    atexit.register(recorder.write, tracefile)


def main():
    pidfile, tracefile, script, *args = sys.argv[1:]
    _record_child_pids(pidfile)
    if tracefile != "-":
        _trace_with_simfutures_real(tracefile, script)
    sys.argv = [script, *args]
    # As for ``python SCRIPT``: the script's directory comes first on sys.path.
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
