"""What map() returns: a generator with the stdlib's qualified name."""
# sim: compare
import re
from concurrent.futures import Executor, ThreadPoolExecutor

with ThreadPoolExecutor(1) as ex:
    gen = ex.map(abs, [-1])
    print(re.sub(r"0x[0-9a-f]+", "ADDR", repr(gen)))
    print(type(gen).__name__, list(gen))
    print(ThreadPoolExecutor.__mro__[-2].__name__, issubclass(ThreadPoolExecutor, Executor))
try:
    Executor().submit(abs, 1)
except NotImplementedError as e:
    print("NotImplementedError", e.args)
print(list(Executor().map(abs, [])))
