"""Routes with a lean path for the plainly valid request, and FastAPI's own handling for every other.

FastAPI's generic request handling (solving the dependency tree, validating each parameter through its model
fields, validating the returned model again, rendering it with the standard library's JSON) was measured at about
three quarters of a constant request's cost on a small authenticated write (``bench/progress_write.py``: a write
route that does nothing answered at 0.52 of the constant endpoint's rate through it, 0.86 without it) — more than the
table work of a lesson attempt's answer. The few routes a learner calls many times a lesson declare, beside their
endpoint, a *lean path*: a function that reads the request's parameters itself and calls the endpoint.

The route is declared as any other (its OpenAPI, its parameters, body and response model are FastAPI's), and the
lean path changes no answer: it first checks, without side effects, that every parameter and the body are valid
under the same constraints (the same patterns and the same pydantic model); when anything is not — a missing header,
another content type, a body the model refuses, JSON that its parser reads differently — it returns ``None`` and
the request goes through FastAPI's handler, which gives its usual error. Only then does it authenticate and call the
endpoint, whose exceptions reach the app's handlers as from FastAPI's path. The route renders what the endpoint
returned as its declaration says (status code, response model, include/exclude, by alias, exclude none/unset/
defaults), as FastAPI does, without validating it again. While any dependency of the app is overridden (tests), every
request takes FastAPI's path, so that overrides keep meaning what they say.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from fastapi.datastructures import DefaultPlaceholder
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

__all__ = ["LeanPath", "LeanRoute", "full_match", "json_body", "lean_path"]

_M = TypeVar("_M", bound=BaseModel)
_F = TypeVar("_F", bound=Callable[..., Any])

# The lean path of an endpoint: given the request and the endpoint, what the endpoint returned — or None for "not
# plainly valid: let FastAPI handle it".
LeanPath = Callable[[Request, Callable[..., Any]], Awaitable[BaseModel | None]]

_LEAN_PATH = "__lean_path__"


def lean_path(path: LeanPath) -> Callable[[_F], _F]:
    """Declares ``path`` the lean path of the decorated endpoint (put it below the route's decorator)."""

    def mark(endpoint: _F) -> _F:
        setattr(endpoint, _LEAN_PATH, path)
        return endpoint

    return mark


class LeanRoute(APIRoute):
    """An :class:`APIRoute` whose endpoint may have a lean path (:func:`lean_path`); see the module's docstring."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        standard = super().get_route_handler()
        path: LeanPath | None = getattr(self.endpoint, _LEAN_PATH, None)
        if path is None:
            return standard
        model = self.response_model
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or not isinstance(
            self.response_class, DefaultPlaceholder
        ):
            raise TypeError(f"{self.path}: a lean path needs a pydantic response model and the default JSON response")
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            if not request.app.dependency_overrides:
                result = await path(request, endpoint)
                if result is not None:
                    return self._render(model, result)
            return await standard(request)

        return handler

    def _render(self, model: type[BaseModel], result: BaseModel) -> Response:
        """``result`` as FastAPI renders it for this route (its response model's fields, as declared)."""
        if not isinstance(result, model):
            raise TypeError(f"{self.path}: the endpoint returned {type(result).__name__}, not {model.__name__}")
        return Response(
            result.model_dump_json(
                include=self.response_model_include,
                exclude=self.response_model_exclude,
                by_alias=self.response_model_by_alias,
                exclude_unset=self.response_model_exclude_unset,
                exclude_defaults=self.response_model_exclude_defaults,
                exclude_none=self.response_model_exclude_none,
            ),
            status_code=self.status_code or 200,
            media_type="application/json",
        )


def full_match(pattern: re.Pattern[str], value: str | None) -> str | None:
    """``value`` when the whole of it matches ``pattern`` (no newline before the end, unlike ``$``), else None —
    at least as strict as the parameter's own ``pattern`` constraint."""
    return value if value is not None and pattern.fullmatch(value) else None


async def json_body(request: Request, model: type[_M]) -> _M | None:
    """The body as ``model`` when it is sent as ``application/json`` and the model accepts it as JSON; else None.

    pydantic's JSON parser refuses what the standard library's reads differently (a lone surrogate escape, a byte
    order mark, another encoding than UTF-8), so a body it accepts means the same to both; duplicate keys keep the
    last value in both."""
    content_type = request.headers.get("content-type")
    if content_type is None or content_type.partition(";")[0].strip().lower() != "application/json":
        return None
    body = await request.body()  # kept by the request: FastAPI's path reads the same bytes
    if not body:
        return None
    try:
        return model.model_validate_json(body)
    except ValidationError:
        return None
