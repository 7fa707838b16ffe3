"""A lost update: two deposits read the balance, then both write it back.

Each task reads the shared balance, logs what it read, and writes back the
sum.  If the second task reads before the first one has written, one deposit
is lost.  It works almost every time for real, which is what makes it a bug
worth a simulator.  Fixed in ``race_lost_update_fixed.py``.
"""

from concurrent.futures import ThreadPoolExecutor

balance = 0


def deposit(who, amount):
    global balance
    current = balance
    print(f"{who}: read balance {current}")
    balance = current + amount
    print(f"{who}: wrote balance {balance}")


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(deposit, "alice", 10)
    pool.submit(deposit, "bob", 20)

print(f"final balance: {balance}")
assert balance == 30, f"lost update: balance is {balance}, expected 30"
