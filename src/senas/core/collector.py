"""The garbage collector of a serving process, set once its app is built.

Python's defaults suit a short script: a young collection every 700 net container allocations, and a full one that
walks every tracked object — here the modules, the routes, pydantic's validators and schemas, the models, tens of
thousands of objects built at start-up that live as long as the process. A request of a write route allocates
hundreds of containers, so the young collection ran several times per request, and each full collection walked the
whole start-up heap again (tens of milliseconds, a pause in every request then in flight).

So, once the app is built: what start-up left is frozen (``gc.freeze``: those objects move to a permanent
generation the collector never walks; they are not garbage — they are the app), and the young generation is
collected every ``YOUNG_THRESHOLD`` net allocations. Reference counting still frees almost everything at once;
only reference cycles wait for a collection, so the price is some more memory held by cycles between collections
(a few megabytes at most).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # net container allocations between young collections (Python's default: 700)
OLDER_THRESHOLD = 10  # collections of the younger generation between collections of the next (the default)


def settle_for_serving() -> None:
    """Called once the process has built what it serves, before it serves: free what start-up left, freeze the
    rest, and collect the young generation less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, OLDER_THRESHOLD, OLDER_THRESHOLD)
