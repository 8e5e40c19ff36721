"""Real threads for concurrency tests: each action in its own thread and database connection,
all released at once."""

import threading

from django.db import connection


def run_together(actions, timeout=120):
    """Run the callables at the same moment; returns ("ok", result) or ("error", exception) each."""
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def worker(i, action):
        try:
            barrier.wait()
            results[i] = ("ok", action())
        except Exception as error:  # the outcome is what the test asserts
            results[i] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    return results
