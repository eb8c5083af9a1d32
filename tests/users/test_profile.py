"""/users/me: reading and changing one's own profile and settings, and deleting the account everywhere."""

from __future__ import annotations

import time
from typing import Any

import httpx
from users_support import PASSWORD, FakeContent, bearer, learner, play

from senas.core.messages import Envelope
from senas.platform import catalog
from senas.users.context import UsersContext
from senas.wiring import Platform, declare_subscriptions


async def test_profile_defaults_and_patch(client: httpx.AsyncClient) -> None:
    user = await learner(client, "perfil@example.com")
    me = (await client.get("/users/me", headers=user.headers)).json()
    assert me == {
        "user_id": user.user_id,
        "email": "perfil@example.com",
        "display_name": "perfil",
        "sign_language": "lse",
        "dominant_hand": "right",
        "daily_goal_xp": 30,
        "timezone": "UTC",
        "locale": "es",
        "roles": ["learner"],
        "mfa_enabled": False,
        "mfa_required": False,
    }
    patched = await client.patch(
        "/users/me",
        json={"display_name": " Lucía ", "dominant_hand": "left", "daily_goal_xp": 50, "sign_language": "lsm"},
        headers=user.headers,
    )
    assert patched.status_code == 200
    assert patched.json()["display_name"] == "Lucía"
    assert patched.json()["dominant_hand"] == "left"
    assert (await client.get("/users/me", headers=user.headers)).json()["daily_goal_xp"] == 50


async def test_profile_patch_validation(client: httpx.AsyncClient) -> None:
    user = await learner(client, "val@example.com")
    for body, field in [
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"daily_goal_xp": 0}, "daily_goal_xp"),
        ({"dominant_hand": "both"}, "dominant_hand"),
        ({"locale": "fr"}, "locale"),
        ({"display_name": "   "}, "display_name"),
        ({"roles": ["admin"]}, "roles"),
    ]:
        response = await client.patch("/users/me", json=body, headers=user.headers)
        assert response.status_code == 422, body
        assert response.json()["fields"][0]["field"] == field
    assert (await client.get("/users/me", headers=user.headers)).json()["timezone"] == "UTC"


ZALGO = "Z" + "\u0336\u0301\u0302\u0303\u0304" + "algo"


async def test_display_names_are_normalised_and_tricks_refused(client: httpx.AsyncClient) -> None:
    """Issue 14 #10: NFKC, no control or bidi-override characters, no runs of combining marks — on the profile and at
    sign-up."""
    user = await learner(client, "nombre@example.com")
    # Full-width letters and a decomposed accent become one ordinary spelling.
    wide = await client.patch("/users/me", json={"display_name": " Ｌｕｃｉ\u0301ａ "}, headers=user.headers)
    assert wide.status_code == 200, wide.text
    assert wide.json()["display_name"] == "Lucía"
    # What real names need is kept: Vietnamese stacked accents, an emoji sequence with a joiner, Arabic.
    for fine in ("Nguyễn Thị Ánh", "Ana 👩\u200d🏫", "ليلى"):
        ok = await client.patch("/users/me", json={"display_name": fine}, headers=user.headers)
        assert ok.status_code == 200, (fine, ok.text)
    for bad in ("ana\u202egnp.exe", "\u2066Admin\u2069", "ana\x00", "ana\x1b[31m", ZALGO):
        refused = await client.patch("/users/me", json={"display_name": bad}, headers=user.headers)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["fields"][0]["field"] == "display_name"
    signup = await client.post(
        "/users/auth/signup", json={"email": "zalgo@example.com", "password": PASSWORD, "display_name": ZALGO}
    )
    assert signup.status_code == 422
    assert signup.json()["fields"][0]["field"] == "display_name"
    named = await client.post(
        "/users/auth/signup",
        json={"email": "ancho@example.com", "password": PASSWORD, "display_name": "Ｐｅｄｒｏ"},
    )
    assert named.status_code == 201


async def test_a_token_for_an_account_without_a_profile_gets_one(
    client: httpx.AsyncClient, users_platform: Platform, mint_token: Any
) -> None:
    # An account made at the identity provider directly: no sign-up through this service, so no profile yet.
    assert users_platform.identity is not None
    user_id = await users_platform.identity.sign_up("direct@example.com", PASSWORD)
    token = mint_token(user_id, email="direct@example.com")
    me = await client.get("/users/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json()["display_name"] == "direct"


async def test_deleting_needs_the_password_not_just_a_recent_token(client: httpx.AsyncClient, mint_token: Any) -> None:
    user = await learner(client, "fresh@example.com")
    old = mint_token(user.user_id, iat=int(time.time()) - 3600, nbf=int(time.time()) - 3600)
    refused = await client.request("DELETE", "/users/me", headers=bearer(old))
    assert refused.status_code == 403
    assert refused.json()["error"] == "reauthentication_required"
    # A token issued a moment ago is not enough either (issue 14 #8).
    recent = await client.request("DELETE", "/users/me", headers=user.headers)
    assert recent.status_code == 403
    assert recent.json()["error"] == "reauthentication_required"
    wrong = await client.request("DELETE", "/users/me", json={"password": "not-my-password"}, headers=bearer(old))
    assert wrong.status_code == 403
    assert wrong.json()["error"] == "reauthentication_failed"
    assert (await client.get("/users/me", headers=user.headers)).status_code == 200


async def test_deleting_the_account_removes_its_data_everywhere(
    client: httpx.AsyncClient, users_platform: Platform, runtime: UsersContext, content: FakeContent
) -> None:
    await declare_subscriptions(users_platform)
    user = await learner(client, "bye@example.com")
    other = await learner(client, "stay@example.com")
    await play(client, content, user, "les-1")  # an attempt, XP, review cards, an achievement
    await runtime.background.idle()
    assert (await runtime.ports.progress.query(f"USER#{user.user_id}")).items
    deleted = await client.request("DELETE", "/users/me", json={"password": PASSWORD}, headers=user.headers)
    assert deleted.status_code == 204
    # The other services are told (content and ml subscribe to account-events).
    for queue in (catalog.CONTENT_ACCOUNT_EVENTS, catalog.ML_ACCOUNT_EVENTS):
        q = users_platform.queues.queue(users_platform.settings.resource_name(queue))
        messages = [Envelope.from_json(m.body) for m in await q.receive(max_messages=10)]
        assert [(m.type, m.data) for m in messages] == [("account.deleted", {"user_id": user.user_id})]
    # Nothing of the user is left in either table except the short-lived tombstone.
    progress_left = await runtime.ports.progress.query(f"USER#{user.user_id}")
    assert progress_left.items == []
    data_left = await runtime.ports.user_data.query(f"USER#{user.user_id}")
    assert [item["sk"] for item in data_left.items] == ["DELETED"]
    assert await runtime.ports.user_data.get("EMAIL#bye@example.com", "EMAIL") is None
    # The still-valid access token cannot bring the data back; the refresh token and password are dead.
    after = await client.get("/users/me", headers=user.headers)
    assert after.status_code == 401
    assert after.json()["error"] == "account_deleted"
    refresh = await client.post("/users/auth/refresh", json={"refresh_token": user.refresh})
    assert refresh.status_code == 401
    login = await client.post("/users/auth/login", json={"email": "bye@example.com", "password": PASSWORD})
    assert login.status_code == 401
    # The email is free again, and the other learner is untouched.
    again = await client.post("/users/auth/signup", json={"email": "bye@example.com", "password": PASSWORD})
    assert again.status_code == 201
    assert (await client.get("/users/me", headers=other.headers)).status_code == 200
