"""The collector settings a serving process takes once its app is built (senas.core.collector)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from senas.core import collector


@pytest.fixture
def restored_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_start_up_objects_are_frozen_and_young_collections_are_rarer(restored_collector: None) -> None:
    built_at_start_up = [{"route": n} for n in range(1000)]  # what an app builds and keeps
    gc.unfreeze()
    collector.settle_for_serving()
    assert gc.get_freeze_count() >= len(built_at_start_up)
    assert gc.get_threshold() == (collector.YOUNG_THRESHOLD, collector.OLDER_THRESHOLD, collector.OLDER_THRESHOLD)
    assert collector.YOUNG_THRESHOLD > 700  # Python's default, which a write request passed several times
    assert built_at_start_up[0] == {"route": 0}  # frozen, not freed
