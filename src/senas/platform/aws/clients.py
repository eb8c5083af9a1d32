"""One boto3 session per platform, its clients (thread-safe, created once) and a bounded thread pool.

boto3 is synchronous; its calls run on a bounded ``ThreadPoolExecutor`` so the event loop never blocks. We chose
this over aiobotocore after measuring both against a moto server (``bench/aws_clients.py``): the throughput is
within noise of each other at our concurrency, and boto3 also works with moto *in process*, which keeps the
contract suites fast. Retries use botocore's ``standard`` (or ``adaptive``) mode; every client has explicit
connect and read timeouts, and the SQS client's read timeout leaves room for a 20 s long poll.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import boto3
import botocore.exceptions
from botocore.config import Config

from senas.platform.aws.settings import AwsSettings
from senas.platform.errors import Unavailable

_T = TypeVar("_T")

LONG_POLL_MAX_SECONDS = 20  # SQS's maximum WaitTimeSeconds


class AwsClients:
    """The clients of one deployment. ``endpoint_url`` (``AWS_ENDPOINT_URL``) points every client at an emulator."""

    def __init__(
        self,
        *,
        region: str,
        endpoint_url: str | None = None,
        settings: AwsSettings | None = None,
        session: boto3.session.Session | None = None,
    ) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self.settings = settings or AwsSettings()
        self._session = session or boto3.session.Session(region_name=region)
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=self.settings.max_workers, thread_name_prefix="senas-aws")
        self._closed = False

    def _config(self, service: str) -> Config:
        read_timeout = self.settings.read_timeout
        if service == "sqs":
            read_timeout += LONG_POLL_MAX_SECONDS
        return Config(
            region_name=self.region,
            retries={"mode": self.settings.retry_mode, "max_attempts": self.settings.max_attempts},
            connect_timeout=self.settings.connect_timeout,
            read_timeout=read_timeout,
            # One connection per worker thread: more threads than connections would queue inside urllib3.
            max_pool_connections=self.settings.max_workers,
            # Path-style S3 URLs work with any endpoint (emulators, VPC endpoints) and keep the bucket in the path.
            s3={"addressing_style": "path"},
            signature_version="s3v4" if service == "s3" else None,
        )

    def client(self, service: str) -> Any:
        """The (shared, thread-safe) client of one AWS service."""
        with self._lock:
            client = self._clients.get(service)
            if client is None:
                client = self._session.client(service, endpoint_url=self.endpoint_url, config=self._config(service))
                self._clients[service] = client
            return client

    async def run(self, function: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run one blocking call on the pool, translating "cannot reach AWS" into Unavailable."""
        if self._closed:
            raise Unavailable("the AWS clients are closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, functools.partial(function, *args, **kwargs))
        except botocore.exceptions.NoCredentialsError:
            raise Unavailable(
                "no AWS credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile or a role)"
            ) from None
        except (
            botocore.exceptions.EndpointConnectionError,
            botocore.exceptions.ConnectTimeoutError,
            botocore.exceptions.ReadTimeoutError,
            botocore.exceptions.ConnectionClosedError,
        ) as exc:
            raise Unavailable(f"AWS is unreachable: {exc}") from None

    async def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """``client(service).<operation>(**params)`` on the pool."""
        method = getattr(self.client(service), operation)
        result: dict[str, Any] = await self.run(method, **params)
        return result

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()


def error_code(exc: botocore.exceptions.ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_message(exc: botocore.exceptions.ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", "")) or str(exc)


ClientError = botocore.exceptions.ClientError
