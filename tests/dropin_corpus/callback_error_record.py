"""The log record of a failing callback, field by field."""
# sim: compare
import logging
from concurrent.futures import ThreadPoolExecutor

records = []


class Keep(logging.Handler):
    def emit(self, record):
        records.append(record)


logging.getLogger("concurrent.futures").addHandler(Keep())
logging.getLogger("concurrent.futures").propagate = False


def bad(fut):
    raise KeyError(fut.result())


with ThreadPoolExecutor(1) as ex:
    ex.submit(abs, -5).add_done_callback(bad)
for r in records:
    print(r.name, r.levelname, r.msg, [type(a).__name__ for a in r.args], r.funcName)
    print(r.exc_info[0].__name__, r.exc_info[1], r.getMessage().split(" at ")[0])
