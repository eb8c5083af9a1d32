"""The service app factory used by all three services.

Every service gets: ``GET /health`` (liveness) and ``GET /health/ready`` (checks the service's own
dependencies and names the one that fails), ``/metrics`` in Prometheus format, request ids, JSON logs, errors as
``{"error", "detail"}`` and OpenAPI docs — each under the service prefix (``/content/health``, as the load balancer
forwards paths unchanged) and at the root (``/health``, what the load balancer's health check calls).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

import senas
from senas.core.body_limits import BodyLimits, BodyLimitsMiddleware
from senas.core.consumer import Consumer, QueueBinding
from senas.core.docs import add_docs_routes
from senas.core.errors import ForbiddenError, UnauthorizedError, error_body, install_error_handlers
from senas.core.metrics import ServiceMetrics
from senas.core.operator import bearer_of, is_operator
from senas.core.requests import RequestContextMiddleware
from senas.core.settings import Settings
from senas.platform.identity import TokenVerifier

log = structlog.get_logger(__name__)

Check = Callable[[], Awaitable[None]]

READINESS_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class ServiceSpec:
    """What makes one service's HTTP face: its routes, documentation and request limits."""

    name: str
    title: str
    description: str
    routers: Sequence[APIRouter] = ()
    tags: Sequence[dict[str, Any]] = field(default_factory=tuple)
    body_limits: BodyLimits = field(default_factory=BodyLimits)  # request body size, JSON nesting, content type
    # Statuses every writing route (POST, PUT, PATCH, DELETE) of the service can answer besides its own, with why
    # (the content service answers any lost race on a unique key with 409).
    write_errors: Mapping[int, str] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return f"/{self.name}"


class ServiceRoot(Protocol):
    """What a service's composition root (its ``bootstrap.py``) gives the app factory: built once, it holds
    exactly that service's ports, clients and consumers; routes receive it as a dependency."""

    settings: Settings
    token_verifier: TokenVerifier

    def readiness_checks(self) -> Mapping[str, Check]:
        """Every dependency of the service by name (``table:AiSessions``, ``database``, ``models`` …)."""

    def consumers(self) -> Sequence[QueueBinding]:
        """The queues this service consumes and their consumers."""

    def lifespan(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Start-up (open the database, load models …) and shut-down of what the root holds."""

    async def aclose(self) -> None:
        """Close the platform the root was built on (when the app owns it)."""


async def run_checks(checks: Mapping[str, Check]) -> dict[str, str]:
    async def one(check: Check) -> str:
        try:
            await asyncio.wait_for(check(), timeout=READINESS_TIMEOUT_SECONDS)
        except TimeoutError:
            return f"timed out after {READINESS_TIMEOUT_SECONDS:g}s"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return "ok"

    results = await asyncio.gather(*(one(check) for check in checks.values()))
    return dict(zip(checks, results, strict=True))


def build_consumers(root: ServiceRoot, metrics: ServiceMetrics | None) -> list[Consumer]:
    settings = root.settings
    return [
        Consumer(
            binding.queue,
            binding.consumer.handlers(),
            concurrency=settings.consumer_concurrency,
            visibility_timeout=binding.visibility_timeout,
            max_receive_count=settings.queue_max_receive_count,
            metrics=metrics,
        )
        for binding in root.consumers()
    ]


ERROR_BODY_SCHEMA = {
    "title": "ErrorBody",
    "type": "object",
    "required": ["error", "detail"],
    "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
}
COMMON_ERRORS = {
    400: "The body could not be parsed",
    401: "Missing, invalid or expired credentials",
    403: "The caller may not do this",
    404: "Not found",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    503: "A dependency (database, tables, queue, another service, a model) is unavailable; retry after Retry-After",
}
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})


def declare_common_errors(openapi: dict[str, Any], write_errors: Mapping[int, str] | None = None) -> dict[str, Any]:
    """Declare the errors every route can answer whatever its own ``responses=``, all rendered as
    ``{"error", "detail"}`` by ``install_error_handlers`` (not FastAPI's ``HTTPValidationError``): 401/403 where
    the route needs credentials, 404 where it names a resource in its path, 400/413/415/422 (body parsing and
    ``BodyLimitsMiddleware``) where it takes a body, 503 everywhere but liveness (a port, the database or another
    service unreachable is a 503 from any route that uses it), and the service's ``write_errors`` on every writing
    route. With these, every status a route can answer is in its OpenAPI; the API fuzzing checks that none
    answers another."""
    openapi.setdefault("components", {}).setdefault("schemas", {})["ErrorBody"] = ERROR_BODY_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for path, operations in openapi.get("paths", {}).items():
        for method, operation in operations.items():
            statuses = set()
            if operation.get("security"):
                statuses |= {401, 403}
            if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                statuses.add(404)
            if operation.get("requestBody"):
                statuses |= {400, 413, 415, 422}
            if not path.endswith("/health"):  # liveness answers from memory: 200 or nothing
                statuses.add(503)
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses):
                responses.setdefault(str(status), {"description": COMMON_ERRORS[status]})
            if method in WRITE_METHODS:
                for status, description in (write_errors or {}).items():
                    responses.setdefault(str(status), {"description": description})
            for status, response in responses.items():
                replace = "content" not in response or "HTTPValidationError" in str(response["content"])
                if status.startswith(("4", "5")) and replace:
                    response["content"] = error
    return openapi


def parameters_without_null(openapi: dict[str, Any]) -> dict[str, Any]:
    """A path, query, header or cookie parameter is text on the wire, sent or not: never JSON ``null``. FastAPI
    publishes an optional one (``str | None = None``) as ``anyOf`` with a ``null`` branch, which leads a client (and a
    fuzzer) to send the word "null" — refused by the parameter's pattern, or read as the text "null". The ``null``
    branch is dropped; the parameter stays optional (``required: false``)."""
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                branches = schema.get("anyOf", [])
                kept = [branch for branch in branches if branch.get("type") != "null"]
                if len(kept) == len(branches):
                    continue
                del schema["anyOf"]
                if len(kept) == 1:
                    schema.update(kept[0])
                else:
                    schema["anyOf"] = kept
    return openapi


def create_service_app(
    spec: ServiceSpec, root: ServiceRoot, *, run_consumers: bool = True, owns_platform: bool = False
) -> FastAPI:
    """Build the FastAPI app of one service around its composition root."""
    metrics = ServiceMetrics(spec.name)
    consumers = build_consumers(root, metrics) if run_consumers else []
    for consumer in consumers:
        metrics.watch_queue(consumer.queue.name, consumer.queue.depth)
    checks = root.readiness_checks()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(root.lifespan())
            tasks = [asyncio.create_task(consumer.run()) for consumer in consumers]
            app.state.consumer_tasks = tasks
            log.info("service_started", service=spec.name, consumers=[c.queue.name for c in consumers])
            try:
                yield
            finally:
                for consumer in consumers:
                    consumer.stop()
                await asyncio.gather(*tasks, return_exceptions=True)
                if owns_platform:
                    await root.aclose()
                log.info("service_stopped", service=spec.name)

    prefix = spec.prefix
    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=senas.__version__,
        openapi_url=f"{prefix}/openapi.json",
        docs_url=None,  # served by core.docs from the installed Swagger UI, under a strict CSP
        redoc_url=None,
        lifespan=lifespan,
        openapi_tags=list(spec.tags) or None,
    )
    app.state.root = root
    app.state.token_verifier = root.token_verifier
    app.state.spec = spec
    app.state.metrics = metrics
    app.state.consumers = consumers
    app.state.readiness_checks = checks
    install_error_handlers(app)
    app.add_middleware(BodyLimitsMiddleware, limits=spec.body_limits)  # inside the request context: logged, counted
    app.add_middleware(RequestContextMiddleware, metrics=metrics, service=spec.name, prefix=prefix)

    async def health() -> dict[str, str]:
        return {"status": "ok", "service": spec.name, "version": senas.__version__}

    async def ready(request: Request) -> JSONResponse:
        results = await run_checks(checks)
        failing = {name: outcome for name, outcome in results.items() if outcome != "ok"}
        # Whether it is ready is everyone's to know; which resource failed and why is the operator's.
        details = await is_operator(request, root.settings, root.token_verifier)
        if failing:
            if details:
                detail = "; ".join(f"{name} failed: {outcome}" for name, outcome in failing.items())
                body = error_body("not_ready", detail, service=spec.name, checks=results)
            else:
                body = error_body("not_ready", f"{len(failing)} dependency check(s) failed", service=spec.name)
            return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
        body = {"status": "ready", "service": spec.name}
        return JSONResponse({**body, "checks": results} if details else body)

    async def metrics_endpoint(request: Request) -> Response:
        if bearer_of(request) is None:
            raise UnauthorizedError(
                "las métricas piden credenciales de operador / metrics need operator credentials",
                code="not_authenticated",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not await is_operator(request, root.settings, root.token_verifier):
            raise ForbiddenError(
                "las métricas son del operador (token de admin o SENAS_OPERATOR_TOKEN) / metrics are for the "
                "operator (an admin's token or SENAS_OPERATOR_TOKEN)",
                code="operator_only",
            )
        return Response(await metrics.render(), media_type=ServiceMetrics.content_type)

    for base in ("", prefix):
        # The unprefixed probes are the container's (its health check asks the task itself); behind the load
        # balancer, or `senas up`, `/health` is not this service's, so only the prefixed ones are its API.
        documented = base == prefix
        app.add_api_route(
            f"{base}/health", health, methods=["GET"], tags=["health"], summary="Liveness", include_in_schema=documented
        )
        app.add_api_route(
            f"{base}/health/ready",
            ready,
            methods=["GET"],
            tags=["health"],
            summary="Readiness of dependencies",
            include_in_schema=documented,
        )
        app.add_api_route(
            f"{base}/metrics", metrics_endpoint, methods=["GET"], tags=["health"], include_in_schema=False
        )
    for router in spec.routers:
        include_flat(app, router, prefix)
    add_docs_routes(app, docs_url=f"{prefix}/docs", openapi_url=f"{prefix}/openapi.json", title=spec.title)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_common_errors(parameters_without_null(FastAPI.openapi(app)), spec.write_errors)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def include_flat(app: FastAPI, router: APIRouter, prefix: str) -> None:
    """Every route of ``router`` added to the app itself under ``prefix``, as ``include_router`` did before FastAPI
    kept included routers as a level of their own.

    An included router is now matched twice on every request that reaches it — once to find it among the app's
    routes, once more inside it to pick its route — with its own bookkeeping in the scope each time: for a lesson
    attempt's answer that was about an eighth of FastAPI's share of the request (``bench/progress_write.py``, profiled).
    Copied here, a route is one entry of the app's list, matched once. Each route already holds what its router
    gave it (tags, dependencies, responses, route class); the OpenAPI is the same (tested)."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{prefix}: only API routes can be added flat, not {type(route).__name__}")
        app.router.add_api_route(
            prefix + route.path,
            route.endpoint,
            response_model=route.response_model,
            status_code=route.status_code,
            tags=route.tags,
            dependencies=route.dependencies,
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses=route.responses,
            deprecated=route.deprecated,
            methods=route.methods,
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema,
            response_class=route.response_class,
            name=route.name,
            route_class_override=type(route),
            callbacks=route.callbacks,
            openapi_extra=route.openapi_extra,
            generate_unique_id_function=route.generate_unique_id_function,
            strict_content_type=route.strict_content_type,
            max_body_size=route.max_body_size,
            form_limits=route.form_limits or None,
        )
