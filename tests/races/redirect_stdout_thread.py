"""``contextlib.redirect_stdout`` rebinds ``sys.stdout`` for the whole process: while a
task is quiet, another thread's ``print`` (C code, which reads ``sys.stdout`` when
called) lands in the task's buffer.  The simulator must see ``print`` read the
setting the task's ``setattr`` wrote (``effects._READS_SETTINGS``)."""

import contextlib
import io
import threading

captured = io.StringIO()


def quiet_work():
    with contextlib.redirect_stdout(captured):
        sum(range(20000))


worker = threading.Thread(target=quiet_work)
worker.start()
print("progress: started")
worker.join()
assert not captured.getvalue(), f"main's line was swallowed: {captured.getvalue()!r}"
