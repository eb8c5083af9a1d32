"""Helpers of the user-service tests: sign up, log in, TOTP codes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
import pyotp

PASSWORD = "manos-que-hablan-42"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_up(client: httpx.AsyncClient, email: str, **extra: Any) -> dict[str, Any]:
    response = await client.post("/users/auth/signup", json={"email": email, "password": PASSWORD, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/users/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@dataclass
class Learner:
    user_id: str
    email: str
    access: str
    refresh: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access)


async def learner(client: httpx.AsyncClient, email: str, **profile: Any) -> Learner:
    user = await sign_up(client, email, **profile)
    tokens = (await login(client, email))["tokens"]
    return Learner(user["user_id"], email, tokens["access_token"], tokens["refresh_token"])


def totp_now(secret: str, offset_steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(int(time.time() // totp.interval) + offset_steps)
