"""A user's own Executor and Future subclasses get map(), with, generics and reprs."""
# sim: compare
import re
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor


class Inline(Executor):
    def submit(self, fn, /, *args, **kwargs):
        f = TaggedFuture()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as e:
            f.set_exception(e)
        return f


class TaggedFuture(Future):
    def __repr__(self):
        return "Tagged" + super().__repr__()


def show(obj):
    print(re.sub(r"0x[0-9a-f]+", "ADDR", repr(obj)))


if __name__ == "__main__":
    with Inline() as ex:
        print(list(ex.map(pow, [2, 3], [3, 2])))
        show(ex.submit(divmod, 1, 0))
        try:
            list(ex.map(divmod, [1], [0], timeout=1))
        except ZeroDivisionError as e:
            print(type(e).__name__, e)
    print(Future[int], Executor.__module__, Future.__module__, Future.__qualname__)
    show(ThreadPoolExecutor(1))
    show(ProcessPoolExecutor(1))
    print(isinstance(TaggedFuture(), Future), issubclass(Inline, Executor))
