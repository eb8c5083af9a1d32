"""An HTTP transport that checks SigV4 query signatures (presigned URLs) the way S3 does, in front of a moto
server — moto itself accepts any signature, or none.

It recomputes the signature of each request to the emulator from what is really sent (method, path, query,
and the values of the headers the URL says it signed), with the known test credentials, and answers S3's
``403 SignatureDoesNotMatch`` (or ``AccessDenied`` for an unsigned request) when it differs. So a URL that was
not signed for this key, bucket, method, content type or length is refused, as S3 refuses it.

Expiry is not checked here (see ``no_expiry_reason`` in aws_harness): the contract marks those tests xfail.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl, quote, urlsplit

import httpx

SECRETS = {"testing": "testing"}  # access key id → secret key of the fake test credentials


def _error(code: str, message: str, status: int = 403) -> httpx.Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return httpx.Response(status, content=body.encode(), headers={"Content-Type": "application/xml"})


def _uri_encode(text: str) -> str:
    return quote(text, safe="-_.~")


def expected_signature(request: httpx.Request, query: list[tuple[str, str]]) -> str | None:
    """The signature S3 would compute for this request, or None when the URL is not a usable SigV4 grant."""
    params = dict(query)
    credential = params.get("X-Amz-Credential", "").split("/")
    if params.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" or len(credential) != 5 or credential[0] not in SECRETS:
        return None
    access_key, day, region, service, terminator = credential
    amz_date = params.get("X-Amz-Date", "")
    signed_headers = params.get("X-Amz-SignedHeaders", "")
    if terminator != "aws4_request" or not amz_date.startswith(day) or "host" not in signed_headers.split(";"):
        return None
    canonical_query = "&".join(
        f"{_uri_encode(name)}={_uri_encode(value)}" for name, value in sorted(query) if name != "X-Amz-Signature"
    )
    headers = []
    for name in signed_headers.split(";"):
        value = request.headers.get(name)
        if value is None:
            return ""  # a signed header that was not sent: never matches
        headers.append(f"{name}:{' '.join(value.split())}\n")
    raw_path = urlsplit(str(request.url)).path or "/"
    canonical = "\n".join(
        [request.method, raw_path, canonical_query, "".join(headers), signed_headers, "UNSIGNED-PAYLOAD"]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + SECRETS[access_key]).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


class SigV4Gate(httpx.AsyncBaseTransport):
    """Forwards requests for ``emulator`` (``host:port``) that carry a valid SigV4 query signature."""

    def __init__(self, emulator: str) -> None:
        self._emulator = emulator
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.netloc.decode() == self._emulator:
            query = parse_qsl(request.url.query.decode(), keep_blank_values=True)
            if not any(name == "X-Amz-Signature" for name, _ in query):
                return _error("AccessDenied", "Access Denied")
            expected = expected_signature(request, query)
            given = dict(query)["X-Amz-Signature"]
            if not expected or not hmac.compare_digest(expected, given):
                return _error(
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided.",
                )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
