// The weekly XP leaderboard of the learner's sign language (GET /users/leaderboard): the top learners, the
// learner's own row highlighted, and their rank when they are not among those shown. Names are shown exactly as
// the API gives them (each learner's chosen display name); the other learners' ids it also sends are only
// compared with the learner's own, never shown.

import { api } from "../api.js";
import { append, h } from "../dom.js";
import { pick, t } from "../i18n.js";
import { loadLanguages, loadProfile, state } from "../state.js";

const TOP = 20;

export async function render(page) {
  const profile = state.profile || (await loadProfile());
  const language = profile.sign_language;
  const query = new URLSearchParams({ language, limit: String(TOP) });
  const [board, languages] = await Promise.all([api(`/users/leaderboard?${query}`), loadLanguages().catch(() => [])]);
  const known = languages.find((item) => item.code === language);
  const languageName = known ? pick(known, "name") : language;

  append(
    page,
    h("h1", {}, t("leaderboard_title")),
    h("p", { class: "lead" }, t("leaderboard_lead", { language: languageName })),
    h("p", { class: "hint" }, t("leaderboard_week", { week: board.week })),
  );
  const mine = (entry) => entry.user_id === profile.user_id;
  if (!board.entries.length) {
    append(
      page,
      h("p", { class: "notice", dataset: { testid: "leaderboard-empty" } }, t("leaderboard_empty")),
      h("p", {}, h("a", { class: "button", href: "#/course" }, t("nav_course"))),
    );
    return;
  }
  const rows = board.entries.map((entry) =>
    h(
      "tr",
      {
        class: mine(entry) ? "me" : null,
        "aria-current": mine(entry) ? "true" : null,
        dataset: { testid: "leaderboard-row", rank: String(entry.rank) },
      },
      h("td", { class: "rank" }, String(entry.rank)),
      h(
        "th",
        { scope: "row", class: "name" },
        entry.display_name,
        mine(entry) ? h("span", { class: "you" }, ` ${t("leaderboard_you")}`) : null,
      ),
      h("td", { class: "xp" }, `${entry.xp} XP`),
    ),
  );
  append(
    page,
    h(
      "table",
      { class: "leaderboard card", dataset: { testid: "leaderboard" } },
      h("caption", {}, t("leaderboard_caption")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("leaderboard_rank")),
          h("th", { scope: "col" }, t("leaderboard_name")),
          h("th", { scope: "col" }, t("leaderboard_xp")),
        ),
      ),
      h("tbody", {}, rows),
    ),
    h(
      "p",
      { class: "my-rank", dataset: { testid: "my-rank" } },
      board.me.rank === null ? t("leaderboard_me_none") : t("leaderboard_me", { rank: board.me.rank, xp: board.me.xp }),
    ),
  );
}
