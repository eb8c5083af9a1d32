// The unread count on the header's notifications link. It is re-read from the inbox at sign-in, on every
// notification the live stream brings and after the learner marks some read, so it never drifts from the server.
//
// The user service has no count endpoint, so the count is taken over the newest page of the inbox (the API's
// largest page): a learner with more unread than that sees "99+", which is all a badge needs to say.

import { api, isSignedIn } from "./api.js";
import { t } from "./i18n.js";

const WINDOW = 100;
const MAX_SHOWN = 99;
let count = null; // null: signed out, or not read yet
let beyond = false; // more unread than the window holds
let ticket = 0;

export function unreadCount() {
  return count;
}

// Re-reads the count; of overlapping calls (a burst of notifications) only the latest answer is shown.
export async function refreshUnread() {
  const mine = ++ticket;
  if (!isSignedIn()) {
    set(null, false);
    return;
  }
  const inbox = await api(`/users/me/notifications?limit=${WINDOW}`);
  if (mine !== ticket) return;
  const unread = inbox.notifications.filter((item) => !item.read).length;
  set(unread, unread === WINDOW && inbox.cursor !== null);
}

export function resetUnread() {
  ticket += 1;
  set(null, false);
}

function set(value, more) {
  count = value;
  beyond = more;
  renderUnread();
}

// The link's contents: its label, the visible number (hidden from screen readers, which hear the
// words instead) — rebuilt in place so the navigation itself is not redrawn.
export function renderUnread(link = document.querySelector("#nav a[data-nav='notifications']")) {
  if (!link) return;
  const label = document.createElement("span");
  label.textContent = t("nav_notifications");
  const parts = [label];
  if (count) {
    const shown = beyond || count > MAX_SHOWN ? `${MAX_SHOWN}+` : String(count);
    const badge = document.createElement("span");
    badge.className = "unread-badge";
    badge.dataset.testid = "unread-badge";
    badge.setAttribute("aria-hidden", "true");
    badge.textContent = shown;
    const words = document.createElement("span");
    words.className = "visually-hidden";
    words.textContent = `, ${t("unread_count", { n: shown })}`;
    parts.push(" ", badge, words);
  }
  link.replaceChildren(...parts);
}
