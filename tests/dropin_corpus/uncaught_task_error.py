"""An uncaught task exception re-raised by result(): traceback and exit status 1."""
# sim: compare
from concurrent.futures import ThreadPoolExecutor


def parse(text):
    try:
        return int(text)
    except ValueError as e:
        raise LookupError("no number in %r" % text) from e


with ThreadPoolExecutor(1) as ex:
    print(ex.submit(parse, "12").result())
    ex.submit(parse, "twelve").result()
print("not reached")
