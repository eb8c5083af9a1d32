"""The read-view cache and the ETag/URL windows (no database)."""

from __future__ import annotations

from senas.content.views import ETAG_WINDOW_SECONDS, MediaRef, SignedUrlCache, View, ViewCache, etag_matches


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_revision_checked_at_most_once_per_ttl_and_invalidate_forces_it() -> None:
    clock = Clock()
    cache = ViewCache(revision_ttl=1.0, clock=clock)
    revision = {"value": 1, "reads": 0}
    loads = []

    async def read_revision() -> int:
        revision["reads"] += 1
        return revision["value"]

    async def load() -> View:
        loads.append(1)
        return View({"n": len(loads)})

    first = await cache.get("k", load, read_revision)
    assert (await cache.get("k", load, read_revision)) is first
    assert revision["reads"] == 1
    assert len(loads) == 1
    revision["value"] = 2  # another process wrote: seen once the TTL has passed
    assert (await cache.get("k", load, read_revision)) is first
    clock.now += 1.0
    second = await cache.get("k", load, read_revision)
    assert second is not first
    assert second.payload == {"n": 2}
    revision["value"] = 3
    cache.invalidate()  # a write committed in this process: seen at once
    third = await cache.get("k", load, read_revision)
    assert third.payload == {"n": 3}


def test_etag_ignores_urls_but_rolls_with_the_url_window() -> None:
    ref = MediaRef("a1", "content-assets", "k.svg", "image/svg+xml", True)
    view = View({"media": ref, "title": "x"}, [ref])
    same = View({"media": MediaRef("a1", "content-assets", "k.svg", "image/svg+xml", True), "title": "x"})
    assert view.etag(0.0) == same.etag(0.0)
    assert view.etag(0.0) == view.etag(ETAG_WINDOW_SECONDS - 1)
    assert view.etag(0.0) != view.etag(ETAG_WINDOW_SECONDS)
    assert View({"media": ref, "title": "y"}).etag(0.0) != view.etag(0.0)
    assert etag_matches(f'W/{view.etag(0)}, "x"', view.etag(0))
    assert etag_matches("*", view.etag(0))
    assert not etag_matches(None, view.etag(0))


def test_signed_urls_are_reused_only_within_their_window() -> None:
    cache = SignedUrlCache(max_age=300)
    media = {"url": "u"}
    start = ETAG_WINDOW_SECONDS * 10.0
    cache.put("b", "k", start, media)
    assert cache.get("b", "k", start + 299) is media
    assert cache.get("b", "k", start + 301) is None  # too old
    cache.put("b", "k", start + ETAG_WINDOW_SECONDS - 10, media)
    assert cache.get("b", "k", start + ETAG_WINDOW_SECONDS + 1) is None  # next window: sign again
