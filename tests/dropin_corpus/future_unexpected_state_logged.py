"""The CRITICAL record set_running_or_notify_cancel logs, as a handler sees it."""
# sim: skip (the simulator logs the future's reproducible address, not its id())
import logging
from concurrent.futures import Future


class Show(logging.Handler):
    def emit(self, record):
        print(record.name, record.levelname, record.msg, record.args[1:], record.exc_info)
        print(record.args[0] == id(f) or "id differs")


logging.getLogger("concurrent.futures").addHandler(Show())
f = Future()
f.set_result(None)
try:
    f.set_running_or_notify_cancel()
except RuntimeError as e:
    print(repr(e))
