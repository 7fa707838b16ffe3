"""A Future cannot be pickled or deep-copied; a shallow copy works."""
# sim: compare
import copy
import pickle
from concurrent.futures import Future

f = Future()
for attempt in (pickle.dumps, copy.deepcopy, lambda f: pickle.dumps(f, protocol=0)):
    try:
        attempt(f)
    except TypeError as e:
        print(type(e).__name__, e)
g = copy.copy(f)
print(type(g).__name__, g.done(), g is f)
