// What every page shares: the signed-in learner's profile and progress numbers, and the header showing them.

import { api, isSignedIn } from "./api.js";
import { append, clear, h } from "./dom.js";
import { t } from "./i18n.js";

export const state = {
  profile: null,
  stats: null, // {xp_total, streak: {current, today_xp, daily_goal_xp, ...}}
  languages: null,
};

export async function loadProfile() {
  state.profile = await api("/users/me");
  return state.profile;
}

export async function loadLanguages() {
  if (!state.languages) state.languages = await api("/content/languages", { auth: false });
  return state.languages;
}

export async function refreshStats() {
  if (!isSignedIn()) return;
  const summary = await api("/users/me/progress");
  setStats(summary);
}

// From the summary or from a progress write's answer (both carry xp_total and streak).
export function setStats(source) {
  state.stats = { xp_total: source.xp_total, streak: source.streak };
  renderStats();
}

export function resetState() {
  state.profile = null;
  state.stats = null;
  renderStats();
}

export function renderStats() {
  const box = document.getElementById("stats");
  if (!box) return;
  clear(box);
  if (!isSignedIn() || !state.stats) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.setAttribute("aria-label", t("stats_label"));
  const { xp_total: xp, streak } = state.stats;
  const days = streak.current === 1 ? t("stats_streak_one") : t("stats_streak", { n: streak.current });
  append(box, 
    h("span", { class: "stat stat-xp", dataset: { testid: "xp" } }, h("span", { "aria-hidden": "true" }, "⚡ "), t("stats_xp", { xp })),
    h("span", { class: "stat stat-streak", dataset: { testid: "streak" } }, days),
    h(
      "span",
      { class: `stat stat-goal${streak.goal_met_today ? " met" : ""}` },
      t("stats_goal", { today: streak.today_xp, goal: streak.daily_goal_xp }),
    ),
  );
}
