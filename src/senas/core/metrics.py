"""Prometheus metrics of one service: requests by route and status, latency histogram, queue depth of the
queues the service consumes. Each app owns its registry so several apps can live in one process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from senas.platform.queues import QueueDepth

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

QueueDepthReader = Callable[[], Awaitable[QueueDepth]]


class ServiceMetrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "senas_http_requests",
            "HTTP requests handled, by route template, method and status code",
            ["service", "route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "senas_http_request_duration_seconds",
            "HTTP request latency by route template",
            ["service", "route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "senas_queue_messages",
            "Messages in a consumed queue by state (visible, in_flight, delayed)",
            ["service", "queue", "state"],
            registry=self.registry,
        )
        self.messages = Counter(
            "senas_messages_handled",
            "Queue messages handled by this service's consumers, by queue, type and outcome",
            ["service", "queue", "type", "outcome"],
            registry=self.registry,
        )
        self._depth_readers: dict[str, QueueDepthReader] = {}

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(self.service, route, method, str(status)).inc()
        self.latency.labels(self.service, route, method).observe(seconds)

    def watch_queue(self, name: str, reader: QueueDepthReader) -> None:
        self._depth_readers[name] = reader

    async def render(self) -> bytes:
        for name, reader in self._depth_readers.items():
            depth = await reader()
            self.queue_depth.labels(self.service, name, "visible").set(depth.visible)
            self.queue_depth.labels(self.service, name, "in_flight").set(depth.in_flight)
            self.queue_depth.labels(self.service, name, "delayed").set(depth.delayed)
        return generate_latest(self.registry)
