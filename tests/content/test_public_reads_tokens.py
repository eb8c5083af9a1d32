"""Published content needs no token, but a token that is sent is checked: a forged, tampered or expired one is a 401
on the public reads too (it used to be ignored), and a valid one reads as anonymous does."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_token_sent_to_a_public_read_must_be_valid(client: httpx.AsyncClient, mint_token: Any) -> None:
    anonymous = await client.get("/content/languages")
    assert anonymous.status_code == 200
    valid = await client.get("/content/languages", headers={"Authorization": f"Bearer {mint_token()}"})
    assert valid.status_code == 200
    assert valid.json() == anonymous.json()

    token = mint_token()
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[::-1]}"
    expired = mint_token(exp=int(time.time()) - 3600)
    for bad in ("not-a-token", tampered, expired):
        response = await client.get("/content/languages", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401, bad
        assert response.json()["error"] == "invalid_token"
        assert response.headers["WWW-Authenticate"] == "Bearer"
