"""set_running_or_notify_cancel wakes wait() on a cancelled future; running() flags."""
# sim: compare
import threading
from concurrent.futures import FIRST_COMPLETED, Future, wait

f = Future()
print(f.running(), f.set_running_or_notify_cancel(), f.running(), f.done())
g = Future()
g.cancel()
threading.Timer(0.02, g.set_running_or_notify_cancel).start()
done, not_done = wait([g], timeout=5, return_when=FIRST_COMPLETED)
print(len(done), len(not_done), g._state)
