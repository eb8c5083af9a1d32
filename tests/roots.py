"""Helpers for tests that drive a service's composition root directly (its consumers without the HTTP app)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from senas.core.app import ServiceRoot
from senas.core.consumer import Handler
from senas.platform import catalog
from senas.platform.blobs import BlobStore
from senas.platform.queues import Queue
from senas.wiring import Platform, resources
from senas.wiring.resources import bucket, queue
from senas.wiring.roots import ServiceContext, ServiceRootBase


def handlers_for(root: ServiceRoot, logical_queue: str) -> Mapping[str, Handler]:
    """Message type → handler of the consumer the root binds to ``logical_queue``."""
    wanted = root.settings.resource_name(logical_queue)
    [binding] = [b for b in root.consumers() if b.queue.name == wanted]
    return binding.consumer.handlers()


@dataclass(frozen=True)
class ProbePorts:
    """What the core tests' probe service declares: one bucket and one queue."""

    assets: BlobStore = bucket(catalog.CONTENT_ASSETS)
    video_processing: Queue = queue(catalog.VIDEO_PROCESSING)


@dataclass(frozen=True)
class NoPorts:
    pass


def probe_root(platform: Platform, ports: type[object] = ProbePorts) -> ServiceRootBase[ServiceContext[Any, None]]:
    """A composition root with nothing but the declared ports (for tests of the app factory itself)."""
    context = ServiceContext(settings=platform.settings, config=None, ports=resources.resolve(ports, platform))
    return ServiceRootBase(platform, context)
