"""The fix: a lock keeps the strict section and the other task's warning apart."""

import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

warnings_config = threading.Lock()


def strict_validate():
    with warnings_config, warnings.catch_warnings():
        warnings.simplefilter("error")
        sum(range(20000))
    return "validated"


def legacy():
    sum(range(2000))
    with warnings_config:
        warnings.warn("old API", DeprecationWarning, stacklevel=2)
    return "legacy ok"


with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the program's own choice: never an error
    with ThreadPoolExecutor(max_workers=2) as pool:
        strict, old = pool.submit(strict_validate), pool.submit(legacy)
        assert strict.result() == "validated"
        assert old.exception() is None, f"the warning became an error: {old.exception()!r}"
