// Spaced review of the signs that are due: recall first, then see the answer and say how well it went
// (again / hard / good / easy — the rating schedules the next review on the server). At the end, a summary:
// how many signs, how each went, the XP earned, and whether more are due.

import { api, errorText } from "../api.js";
import { navigate } from "../app.js";
import { append, clear, h } from "../dom.js";
import { pick, t } from "../i18n.js";
import { signMedia } from "../media.js";
import { refreshStats } from "../state.js";
/* --- mobile/offline --- */
import { newIdempotencyKey } from "../api.js";
import { isNetworkFailure, queueForLater } from "../offline/connection.js";
/* --- end mobile/offline --- */

const RATINGS = ["again", "hard", "good", "easy"];
const BATCH = 20;

export async function render(page) {
  const due = await api(`/users/me/reviews/due?limit=${BATCH}`);
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
  const answered = Object.fromEntries(RATINGS.map((name) => [name, 0]));
  let xp = 0;
  const showCard = async () => {
    clear(stage);
    if (index >= due.cards.length) {
      await showSummary(stage, answered, xp);
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
          const path = `/users/me/reviews/${encodeURIComponent(card.card_id)}/answer`;
          try {
            const result = await api(path, { method: "POST", body: { rating: name } });
            answered[name] += 1;
            xp += result.xp_awarded;
          } catch (error) {
            // offline: the rating is kept and sent later; the server records one answer per state of a card, so
            // a rating that did arrive after all is not counted twice.
            const key = newIdempotencyKey();
            if (isNetworkFailure(error) && (await queueForLater({ group: `review-${key}`, path, method: "POST", body: { rating: name }, key }))) {
              answered[name] += 1;
            } else {
              append(stage, h("p", { class: "error", role: "alert" }, errorText(error)));
            }
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
      // Focus on "good", the usual answer, rather than on "again" (the first): Enter then does no harm.
      rating.querySelector(".rate-good").focus();
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

async function showSummary(stage, answered, xp) {
  const total = Object.values(answered).reduce((sum, n) => sum + n, 0);
  const done = h("h2", { tabindex: -1 }, t("review_done"));
  // Cards answered "again" come back within minutes, so ask the server what is due now rather than guess.
  const still = await api(`/users/me/reviews/due?limit=1`).catch(() => ({ cards: [] }));
  const more = h("button", { type: "button", class: "button primary" }, t("review_continue"));
  more.addEventListener("click", () => navigate("#/review"));
  append(
    stage,
    done,
    h(
      "section",
      { class: "card review-summary", "aria-label": t("review_summary"), dataset: { testid: "review-summary" } },
      h("p", { class: "lead" }, t("review_reviewed", { n: total })),
      h(
        "ul",
        { class: "review-tally" },
        RATINGS.map((name) => h("li", { dataset: { rating: name } }, `${t(`rate_${name}`)}: ${answered[name]}`)),
      ),
      h("p", { class: "xp-gain" }, t("review_xp", { xp })),
    ),
    still.cards.length ? h("p", {}, t("review_more")) : null,
    h("p", { class: "actions" }, still.cards.length ? more : null, h("a", { class: "button", href: "#/course" }, t("nav_course"))),
  );
  done.focus();
  refreshStats().catch(() => {});
}
