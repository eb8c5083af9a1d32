"""Secrets from AWS Secrets Manager (the content database credentials, written by Aurora/RDS as JSON with
``username`` and ``password``). Values are cached for a few minutes: they are read at start-up and on
reconnects, and rotation replaces them slowly enough for that."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from senas.platform.aws.clients import AwsClients, ClientError, error_code, error_message
from senas.platform.errors import InvalidRequest, NotFound, Unavailable

__all__ = ["SecretsManagerSecrets"]

CACHE_SECONDS = 300.0


class SecretsManagerSecrets:
    """``required`` names the secrets readiness checks (e.g. the database secret id)."""

    def __init__(
        self,
        clients: AwsClients,
        *,
        required: Iterable[str] = (),
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clients = clients
        self._required = tuple(required)
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, str]] = {}

    async def get(self, name: str) -> str:
        if not isinstance(name, str) or not name:
            raise InvalidRequest("a secret needs a non-empty name")
        cached = self._cache.get(name)
        if cached is not None and self._clock() - cached[0] < self._cache_seconds:
            return cached[1]
        try:
            response = await self.clients.call("secretsmanager", "get_secret_value", SecretId=name)
        except ClientError as exc:
            code = error_code(exc)
            if code == "ResourceNotFoundException":
                raise NotFound(f"secret {name!r} does not exist in Secrets Manager") from None
            if code in ("InvalidRequestException", "InvalidParameterException"):
                raise InvalidRequest(f"secret {name!r}: {error_message(exc)}") from None
            raise Unavailable(f"Secrets Manager {code or 'error'} for {name!r}: {error_message(exc)}") from None
        if "SecretString" not in response:
            raise InvalidRequest(f"secret {name!r} holds binary data, not text")
        value = str(response["SecretString"])
        self._cache[name] = (self._clock(), value)
        return value

    async def ping(self) -> None:
        for name in self._required:
            try:
                await self.clients.call("secretsmanager", "describe_secret", SecretId=name)
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    raise Unavailable(f"secret {name} does not exist in Secrets Manager") from None
                raise Unavailable(f"secret {name}: {error_code(exc)} {error_message(exc)}") from None


if TYPE_CHECKING:
    from senas.platform.secrets import Secrets

    def _satisfies_port(secrets: SecretsManagerSecrets) -> Secrets:
        return secrets
