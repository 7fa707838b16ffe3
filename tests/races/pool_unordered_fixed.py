"""The fix: ``imap`` yields results in submission order, whichever task completes first."""

import multiprocessing
import time


def fetch(part):
    time.sleep(0.01)  # every part takes as long
    return part


if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        parts = list(pool.imap(fetch, ["header", "body"]))
    assert parts == ["header", "body"], f"parts out of order: {parts}"
