"""``race_lost_update.py`` fixed: the read-modify-write happens under a lock.

The lock makes "read the balance, write back the sum" one step that no other
deposit can interleave with, so no schedule loses a deposit.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

balance = 0
balance_lock = threading.Lock()


def deposit(who, amount):
    global balance
    with balance_lock:
        current = balance
        print(f"{who}: read balance {current}")
        balance = current + amount
        print(f"{who}: wrote balance {balance}")


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(deposit, "alice", 10)
    pool.submit(deposit, "bob", 20)

print(f"final balance: {balance}")
assert balance == 30, f"lost update: balance is {balance}, expected 30"
