"""Requests that arrive at the same moment: threads, each with a test client of its own,
released together by a barrier, on the shared_app fixture's database (conftest.py). The
tests that use them are marked race: `pytest -m race` runs them all."""

import threading
from concurrent.futures import ThreadPoolExecutor

RACERS = 8


def at_once(app, act, prepare=None, count: int = RACERS) -> list:
    """act(client) in count threads at once, after each has run prepare(client) on its own;
    the results, in the threads' order."""
    barrier = threading.Barrier(count, timeout=30)

    def racer(_):
        client = app.test_client()
        if prepare is not None:
            prepare(client)
        barrier.wait()
        return act(client)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(racer, range(count)))
