// Every achievement, earned (with the date) or still to earn.

import { api } from "../api.js";
import { append, h } from "../dom.js";
import { formatDate, pick, t } from "../i18n.js";

export async function render(page) {
  const { achievements } = await api("/users/me/achievements");
  append(page, 
    h("h1", {}, t("achievements_title")),
    h(
      "ul",
      { class: "achievements" },
      achievements.map((item) =>
        h(
          "li",
          { class: `card achievement ${item.earned ? "earned" : "locked"}`, dataset: { code: item.code } },
          h("img", { src: item.earned ? "/static/medal.svg" : "/static/lock.svg", alt: "", class: "achievement-icon" }),
          h("h2", {}, pick(item, "title")),
          h("p", {}, item.earned ? t("achievement_earned", { date: formatDate(item.earned_at) }) : t("achievement_locked")),
        ),
      ),
    ),
  );
}
