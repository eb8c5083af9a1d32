// Spaced review of the signs that are due: recall first, then see the answer and say how well it went
// (again / hard / good / easy — the rating schedules the next review on the server).

import { api, errorText } from "../api.js";
import { append, clear, h } from "../dom.js";
import { pick, t } from "../i18n.js";
import { signMedia } from "../media.js";
import { refreshStats } from "../state.js";

const RATINGS = ["again", "hard", "good", "easy"];

export async function render(page) {
  const due = await api("/users/me/reviews/due?limit=20");
  append(page, h("h1", {}, t("review_title")));
  const stage = h("div", { class: "review-stage" });
  append(page, stage);
  if (!due.cards.length) {
    append(stage, h("p", { class: "notice" }, t("review_empty")), h("a", { class: "button", href: "#/course" }, t("nav_course")));
    return;
  }
  const signs = new Map();
  const signOf = async (id) => {
    if (!signs.has(id)) signs.set(id, await api(`/content/signs/${encodeURIComponent(id)}`, { auth: false }));
    return signs.get(id);
  };
  let index = 0;
  const showCard = async () => {
    clear(stage);
    if (index >= due.cards.length) {
      const done = h("h2", { tabindex: -1 }, t("review_done"));
      append(stage, done, h("a", { class: "button", href: "#/course" }, t("nav_course")));
      done.focus();
      refreshStats().catch(() => {});
      return;
    }
    const card = due.cards[index];
    let sign;
    try {
      sign = await signOf(card.sign_id);
    } catch (error) {
      append(stage, h("p", { class: "error", role: "alert" }, errorText(error)));
      index += 1;
      const skip = h("button", { type: "button", class: "button" }, t("continue"));
      skip.addEventListener("click", showCard);
      append(stage, skip);
      return;
    }
    const fromMeaning = card.direction === "meaning_to_sign";
    const question = h(
      "h2",
      { tabindex: -1 },
      fromMeaning ? t("review_which_sign", { meaning: pick(sign, "meaning") }) : t("review_what_means"),
    );
    const answer = h("div", { class: "review-answer", hidden: true });
    const reveal = h("button", { type: "button", class: "button primary" }, t("review_show"));
    const rating = h(
      "div",
      { class: "ratings", role: "group", "aria-label": t("review_rate"), hidden: true },
      RATINGS.map((name) => {
        const button = h("button", { type: "button", class: `button rate-${name}` }, t(`rate_${name}`));
        button.addEventListener("click", async () => {
          for (const other of rating.querySelectorAll("button")) other.disabled = true;
          try {
            await api(`/users/me/reviews/${encodeURIComponent(card.card_id)}/answer`, { method: "POST", body: { rating: name } });
          } catch (error) {
            append(stage, h("p", { class: "error", role: "alert" }, errorText(error)));
          }
          index += 1;
          showCard();
        });
        return button;
      }),
    );
    if (fromMeaning) append(answer, signMedia(sign));
    else append(answer, h("p", { class: "lead" }, `${sign.gloss} — ${pick(sign, "meaning")}`));
    reveal.addEventListener("click", () => {
      answer.hidden = false;
      rating.hidden = false;
      reveal.hidden = true;
      answer.prepend(h("p", { class: "visually-hidden", role: "status" }, `${sign.gloss} — ${pick(sign, "meaning")}`));
      rating.querySelector("button").focus();
    });
    append(stage, 
      h("p", { class: "hint" }, t("review_count", { n: index + 1, total: due.cards.length })),
      question,
      fromMeaning ? null : signMedia(sign, { caption: false, alt: t("review_what_means") }),
      reveal,
      answer,
      rating,
    );
    question.focus();
  };
  await showCard();
}
