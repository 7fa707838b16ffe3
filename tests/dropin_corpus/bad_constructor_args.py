"""Constructor argument errors of both pools."""
# sim: compare
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

if __name__ == "__main__":
    attempts = [
        lambda: ThreadPoolExecutor(0),
        lambda: ThreadPoolExecutor(-3),
        lambda: ThreadPoolExecutor(initializer=5),
        lambda: ThreadPoolExecutor(1, None, None, (1,)),
        lambda: ProcessPoolExecutor(0),
        lambda: ProcessPoolExecutor(-1),
        lambda: ProcessPoolExecutor(initializer="x"),
        lambda: ProcessPoolExecutor(1, max_tasks_per_child=0),
        lambda: ProcessPoolExecutor(1, max_tasks_per_child=-2),
        lambda: ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                                    max_tasks_per_child=3),
        lambda: ThreadPoolExecutor(1.5),
        lambda: ThreadPoolExecutor(1, bogus=1),
    ]
    for make in attempts:
        try:
            ex = make()
        except (ValueError, TypeError) as e:
            print(type(e).__name__, e)
        else:
            print("created", type(ex).__name__)
            ex.shutdown()
