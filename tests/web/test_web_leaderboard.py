"""The weekly leaderboard in a real browser: two learners of the same sign language earn different XP (through
the progress API, as the lesson page records it); each sees the one with more XP ranked above, their own row
highlighted (and named "(tú)"), the names exactly as the API gives them, and their own rank stated. A learner
with no XP this week is told so. No console errors."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from web_helpers import (
    Learner,
    complete_lesson,
    level_lessons,
    log_in,
    new_page,
    screenshot,
    sign_up_learner,
    wait_page,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def _board(server: str, learner: Learner) -> dict[str, Any]:
    response = httpx.get(
        f"{server}/users/leaderboard", params={"language": "ase", "limit": 20}, headers=learner.headers
    )
    assert response.status_code == 200, response.text
    board: dict[str, Any] = response.json()
    return board


def _rows(page: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = page.locator("[data-testid='leaderboard-row']").evaluate_all(
        """rows => rows.map(row => ({
             rank: Number(row.dataset.rank),
             name: row.querySelector('th').firstChild.textContent,
             me: row.classList.contains('me') && row.getAttribute('aria-current') === 'true',
             you: row.querySelector('.you')?.textContent.trim() || null,
           }))"""
    )
    return rows


def _open_board(chromium: Any, server: str, learner: Learner) -> tuple[Any, Any, Any]:
    context, page, console = new_page(chromium)
    log_in(page, server, learner.email, next_path="/leaderboard")
    wait_page(page, "leaderboard")
    return context, page, console


def test_two_learners_see_the_order_and_their_own_row(chromium: Any, server: str) -> None:
    tag = secrets.token_hex(3)
    # Names as a learner may write them (accents, an ampersand, angle brackets): shown as text, unchanged.
    leader = sign_up_learner(server, f"Lucía <Ñ> & {tag}")
    runner_up = sign_up_learner(server, f"Tomás {tag}")
    idle = sign_up_learner(server, f"Quieta {tag}")
    first, second = level_lessons(server)[0], level_lessons(server, index=1)[0]
    leader_xp = complete_lesson(server, leader, first) + complete_lesson(server, leader, second)
    runner_xp = complete_lesson(server, runner_up, first)
    assert leader_xp > runner_xp > 0

    board = _board(server, runner_up)
    expected = {entry["user_id"]: entry for entry in board["entries"]}
    assert expected[leader.user_id]["rank"] < expected[runner_up.user_id]["rank"]

    for viewer, other in ((runner_up, leader), (leader, runner_up)):
        context, page, console = _open_board(chromium, server, viewer)
        rows = _rows(page)
        # the page shows the API's ranking, in its order, with its names
        assert [(row["rank"], row["name"]) for row in rows] == [
            (entry["rank"], entry["display_name"]) for entry in board["entries"]
        ]
        names = [row["name"] for row in rows]
        assert names.index(leader.display_name) < names.index(runner_up.display_name)
        mine = [row for row in rows if row["me"]]
        assert [row["name"] for row in mine] == [viewer.display_name]
        assert mine[0]["you"] == "(tú)"
        assert not next(row for row in rows if row["name"] == other.display_name)["me"]
        assert idle.display_name not in names  # no XP this week: not on the board
        me = _board(server, viewer)["me"]
        assert page.get_by_test_id("my-rank").inner_text() == (
            f"Vas en el puesto {me['rank']} con {me['xp']} XP esta semana."
        )
        assert f"Semana {board['week']}" in page.inner_text("main")
        if viewer is runner_up:
            screenshot(page, "26-leaderboard")
        context.close()
        assert console.errors == []

    context, page, console = _open_board(chromium, server, idle)
    assert page.locator("tr.me").count() == 0
    assert page.get_by_test_id("my-rank").inner_text().startswith("Todavía no tienes XP esta semana")
    context.close()
    assert console.errors == []


def test_an_empty_week_says_so(chromium: Any, server: str) -> None:
    # A sign language nobody in this server's session learns: its board is empty this week.
    learner = sign_up_learner(server, "Sola", sign_language="bfi")
    empty = httpx.get(f"{server}/users/leaderboard", params={"language": "bfi"}, headers=learner.headers).json()
    assert empty["entries"] == []
    context, page, console = _open_board(chromium, server, learner)
    assert "Nadie ha ganado XP esta semana todavía" in page.get_by_test_id("leaderboard-empty").inner_text()
    assert page.get_by_test_id("leaderboard").count() == 0
    screenshot(page, "27-leaderboard-empty")
    context.close()
    assert console.errors == []
