// The app without a connection: registers the service worker (installable, the shell cached), shows a clear
// offline state (a banner, and `data-connection` on <html> for the styles), remembers whose session this tab is
// so that writes made offline are tagged with that learner, and sends the queued writes when the connection
// returns (the `online` event) or when a session starts with some waiting.

import { ApiError } from "../api.js";
import { append, clear, h } from "../dom.js";
import { t } from "../i18n.js";
import { toast } from "../toasts.js";
import { forgetLessons } from "./lessons.js";
import { flushWrites, forgetWrites, pendingWrites, queueWrite } from "./queue.js";
import "./texts.js";

// Same lifetime as the refresh token (sessionStorage): the learner this tab's session belongs to, known offline.
const USER_KEY = "senas.offline.user";

export function rememberUser(userId) {
  try {
    sessionStorage.setItem(USER_KEY, userId);
  } catch {
    // storage unavailable: writes cannot be queued for later in this tab
  }
}

export function offlineUser() {
  try {
    return sessionStorage.getItem(USER_KEY);
  } catch {
    return null;
  }
}

export function isOffline() {
  return navigator.onLine === false;
}

// A failure that means "no connection" (rather than a refusal): the write is worth keeping for later.
export function isNetworkFailure(error) {
  return error instanceof ApiError && error.status === 0;
}

export async function queueForLater(record) {
  const user = offlineUser();
  if (!user) return false;
  try {
    await queueWrite({ ...record, user });
  } catch {
    return false;
  }
  showPending();
  return true;
}

function banner() {
  let box = document.getElementById("offline-banner");
  if (!box) {
    box = h("div", { id: "offline-banner", class: "offline-banner", role: "status", "aria-live": "polite", hidden: true, dataset: { testid: "offline-banner" } });
    const header = document.querySelector(".site-header");
    if (header) header.after(box);
    else document.body.prepend(box);
  }
  return box;
}

async function showPending() {
  const box = banner();
  const offline = isOffline();
  document.documentElement.dataset.connection = offline ? "offline" : "online";
  const pending = (await pendingWrites(offlineUser()).catch(() => [])).length;
  box.hidden = !offline;
  if (!offline) return;
  append(
    clear(box),
    h("p", {}, t("offline_banner")),
    pending ? h("p", { class: "offline-pending", dataset: { testid: "offline-pending" } }, t("offline_pending", { n: pending })) : null,
  );
}

// Sends this learner's queued writes; tells them what was sent (and what could not be counted).
export async function sendQueued({ signedIn, onCompleted }) {
  const user = offlineUser();
  if (!user || !signedIn() || isOffline()) return null;
  const outcome = await flushWrites(user).catch(() => null);
  if (!outcome) return null;
  if (outcome.sent) {
    // A completion whose first reply was lost comes back as a replay: what it earned is the first award.
    const earned = (done) => (done ? (done.replayed ? done.original_xp_awarded : done.xp_awarded) || 0 : 0);
    const xp = outcome.completions.reduce((sum, done) => sum + earned(done), 0);
    const last = outcome.completions[outcome.completions.length - 1];
    if (last) onCompleted(last);
    toast(t("offline_sent_title"), t("offline_sent_body", { n: outcome.sent, xp }), "success");
  }
  if (outcome.dropped) toast(t("offline_dropped", { n: outcome.dropped }), "", "error");
  document.documentElement.dataset.queued = String(outcome.remaining);
  document.dispatchEvent(new CustomEvent("senas:offline-sent", { detail: outcome }));
  showPending();
  return outcome;
}

// Signing out: this learner's unsent writes and kept lessons are deleted with the session.
export async function forgetOffline() {
  const user = offlineUser();
  try {
    sessionStorage.removeItem(USER_KEY);
  } catch {
    // nothing stored
  }
  await Promise.all([user ? forgetWrites(user).catch(() => {}) : null, forgetLessons().catch(() => {})]);
  showPending();
}

function registerWorker() {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {
    // not installable here (a private window, a policy): the app works online as before
  });
}

// onBack: what the app does when the connection returns (renew the session, then send what is queued).
export function startOffline({ onBack }) {
  registerWorker();
  window.addEventListener("offline", () => showPending());
  window.addEventListener("online", () => {
    showPending();
    onBack();
  });
  document.addEventListener("senas:lang", () => showPending());
  showPending();
}
