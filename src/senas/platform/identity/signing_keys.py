"""The embedded identity provider's signing keys: RSA keys kept in one JSON file under the data directory,
created on first use (safely when several processes start at once), published as a JWKS."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ALGORITHM = "RS256"


class LocalSigningKeys:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._keys: list[dict[str, Any]] | None = None

    def _load(self) -> list[dict[str, Any]]:
        if self._keys is None:
            if not self.path.exists():
                self._create()
            self._keys = list(json.loads(self.path.read_text(encoding="utf-8"))["keys"])
        return self._keys

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        document = {"keys": [{"kid": uuid.uuid4().hex, "created_at": int(time.time()), "private_pem": pem}]}
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(document), encoding="utf-8")
        os.chmod(temporary, 0o600)
        try:
            os.link(temporary, self.path)  # atomic create-if-absent: the first process to start wins
        except FileExistsError:
            pass
        finally:
            temporary.unlink(missing_ok=True)

    def current(self) -> tuple[str, Any]:
        """(kid, private key) used to sign new tokens: the newest key."""
        newest = max(self._load(), key=lambda key: int(key["created_at"]))
        private = serialization.load_pem_private_key(newest["private_pem"].encode(), password=None)
        return str(newest["kid"]), private

    def sign(self, claims: dict[str, Any]) -> str:
        kid, private = self.current()
        return jwt.encode(claims, private, algorithm=ALGORITHM, headers={"kid": kid})

    def jwks(self) -> dict[str, Any]:
        keys = []
        for key in self._load():
            private = serialization.load_pem_private_key(key["private_pem"].encode(), password=None)
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))  # type: ignore[arg-type]
            keys.append({**public, "kid": key["kid"], "use": "sig", "alg": ALGORITHM})
        return {"keys": keys}
