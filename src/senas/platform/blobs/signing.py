"""HMAC-SHA256 signed blob URLs for the embedded blob store.

A signed URL grants one HTTP method on one key of one bucket until an expiry time; an upload URL also fixes
the content type and the maximum size. All of these are covered by the signature, so changing any of them (in
the path or in the query string) invalidates the URL.

The query string carries ``expires`` (unix seconds), for uploads ``content_type`` and ``max_bytes``, and
``signature`` (hex HMAC-SHA256 with the deployment's signing secret over a canonical JSON array of all of the
above plus the method, bucket and key — JSON so that no choice of key or content type can make two different
grants produce the same signed text).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from senas.platform.errors import InvalidRequest

EXPIRES_PARAM = "expires"
CONTENT_TYPE_PARAM = "content_type"
MAX_BYTES_PARAM = "max_bytes"
SIGNATURE_PARAM = "signature"

MIN_SECRET_BYTES = 16
MAX_EXPIRES_IN = 7 * 24 * 3600  # the same ceiling as S3 presigned URLs
_SCHEME = "senas-blob-url-v1"


class SignatureError(InvalidRequest):
    """A signed URL was refused; ``code`` is the error code the HTTP layer returns (with status 403)."""

    code = "signature_invalid"


class SignatureInvalid(SignatureError):
    """The signature is missing or malformed, or does not match the request's method, bucket, key or
    parameters."""

    code = "signature_invalid"


class UrlExpired(SignatureError):
    """The signature is genuine but the URL's expiry time has passed."""

    code = "url_expired"


@dataclass(frozen=True)
class SignedGrant:
    """What a verified URL allows. ``content_type`` and ``max_bytes`` are set for uploads only."""

    method: str
    bucket: str
    key: str
    expires_at: int
    content_type: str | None = None
    max_bytes: int | None = None


class UrlSigner:
    def __init__(self, secret: bytes, *, clock: Callable[[], float] = time.time) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the blob URL signing secret must be at least {MIN_SECRET_BYTES} bytes long")
        self._secret = secret
        self._clock = clock

    def expiry(self, expires_in: int) -> int:
        """The unix time (whole seconds, rounded up) when a URL made now, valid ``expires_in`` s, expires."""
        if isinstance(expires_in, bool) or not isinstance(expires_in, int):
            raise InvalidRequest("expires_in must be a whole number of seconds")
        if not 0 < expires_in <= MAX_EXPIRES_IN:
            raise InvalidRequest(f"expires_in must be between 1 and {MAX_EXPIRES_IN} seconds, not {expires_in}")
        return math.ceil(self._clock()) + expires_in

    def sign(
        self,
        method: str,
        bucket: str,
        key: str,
        *,
        expires_at: int,
        content_type: str | None = None,
        max_bytes: int | None = None,
    ) -> dict[str, str]:
        """The query parameters (in order, ``signature`` last) that authorise this grant."""
        grant = SignedGrant(method.upper(), bucket, key, expires_at, content_type, max_bytes)
        params = {EXPIRES_PARAM: str(expires_at)}
        if content_type is not None:
            params[CONTENT_TYPE_PARAM] = content_type
        if max_bytes is not None:
            params[MAX_BYTES_PARAM] = str(max_bytes)
        params[SIGNATURE_PARAM] = self._signature(grant)
        return params

    def verify(self, method: str, bucket: str, key: str, params: Mapping[str, str]) -> SignedGrant:
        """The grant carried by ``params`` for this request. Raises SignatureInvalid when the signature does
        not match exactly this method, bucket, key and parameters, and UrlExpired when it does but has
        expired."""
        signature = params.get(SIGNATURE_PARAM)
        if not signature:
            raise SignatureInvalid("the URL is not signed")
        try:
            expires_at = _parse_int(params.get(EXPIRES_PARAM))
            max_bytes = _parse_int(params[MAX_BYTES_PARAM]) if MAX_BYTES_PARAM in params else None
        except ValueError:
            raise SignatureInvalid("the URL's parameters are malformed") from None
        grant = SignedGrant(method.upper(), bucket, key, expires_at, params.get(CONTENT_TYPE_PARAM), max_bytes)
        if not hmac.compare_digest(self._signature(grant).encode(), signature.encode("utf-8", "replace")):
            raise SignatureInvalid("the signature does not match this URL")
        if self._is_expired(grant):
            raise UrlExpired("the URL has expired")
        return grant

    def _is_expired(self, grant: SignedGrant) -> bool:
        return self._clock() >= grant.expires_at

    def _canonical(self, grant: SignedGrant) -> list[object]:
        return [
            _SCHEME,
            grant.method,
            grant.bucket,
            grant.key,
            grant.content_type,
            grant.max_bytes,
            grant.expires_at,
        ]

    def _signature(self, grant: SignedGrant) -> str:
        message = json.dumps(self._canonical(grant), ensure_ascii=False, separators=(",", ":"))
        return hmac.new(self._secret, message.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def _parse_int(value: str | None) -> int:
    # Only the canonical spelling, so that one grant has exactly one URL: int() would also accept "+5", " 5",
    # "05", "5_000" and non-ASCII digits.
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 20:
        raise ValueError(value)
    number = int(value)
    if str(number) != value:
        raise ValueError(value)
    return number
