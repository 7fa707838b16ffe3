"""The fix: the task writes to its buffer explicitly instead of redirecting the process's
``sys.stdout``."""

import io
import threading

captured = io.StringIO()


def quiet_work():
    sum(range(20000))
    print("work done", file=captured)


worker = threading.Thread(target=quiet_work)
worker.start()
print("progress: started")
worker.join()
assert captured.getvalue() == "work done\n", f"main's line was swallowed: {captured.getvalue()!r}"
