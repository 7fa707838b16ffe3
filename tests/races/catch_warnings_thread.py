"""``warnings.catch_warnings`` and ``simplefilter("error")`` change the process's filters:
another task that warns meanwhile gets an exception instead of a warning.  The
simulator must see the C ``warnings.warn`` read the filters the other task rebound."""

import warnings
from concurrent.futures import ThreadPoolExecutor


def strict_validate():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sum(range(20000))
    return "validated"


def legacy():
    sum(range(2000))
    warnings.warn("old API", DeprecationWarning, stacklevel=2)
    return "legacy ok"


with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the program's own choice: never an error
    with ThreadPoolExecutor(max_workers=2) as pool:
        strict, old = pool.submit(strict_validate), pool.submit(legacy)
        assert strict.result() == "validated"
        assert old.exception() is None, f"the warning became an error: {old.exception()!r}"
