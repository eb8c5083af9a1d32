// The live notification stream (server-sent events from /users/me/notifications/stream) shown as toasts,
// counted on the header's unread badge and handed to the inbox page if it is open (a "senas:notification"
// event). EventSource cannot send an Authorization header, so the stream is read with fetch and parsed here; it
// reconnects with Last-Event-ID so nothing is missed across a reconnection.
//
// A toast does not mark the notification read: it is gone after a few seconds, and the inbox is where the
// learner reads and dismisses notifications (that is what the unread badge counts).

import { accessTokenNow, api, refreshTokens } from "./api.js";
import { sleep } from "./dom.js";
import { pick } from "./i18n.js";
import { refreshStats } from "./state.js";
import { toast } from "./toasts.js";
import { refreshUnread } from "./unread.js";

const RETRY_MS = 3000;
let controller = null;
let lastEventId = null;
// The server ends a stream when the access token that opened it expires ("expired"): reconnect at once with a
// fresh token instead of waiting out the pause.
let streamExpired = false;
const CATCH_UP_MS = 60000;
// Ids already shown as toasts, kept for the tab's life (sessionStorage), so that the catch-up below does not
// toast again, after a reload, what the learner already saw.
const SHOWN_KEY = "senas.toasted";
const SHOWN_KEEP = 50;
const shown = new Set(readShown());

function readShown() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(SHOWN_KEY) || "[]");
    return Array.isArray(stored) ? stored.filter((id) => typeof id === "string") : [];
  } catch {
    return [];
  }
}

function remember(id) {
  shown.add(id);
  try {
    sessionStorage.setItem(SHOWN_KEY, JSON.stringify([...shown].slice(-SHOWN_KEEP)));
  } catch {
    // storage unavailable: remembered for this page only
  }
}

export function startNotifications() {
  if (controller) return;
  controller = new AbortController();
  run(controller.signal);
}

export function stopNotifications() {
  if (controller) controller.abort();
  controller = null;
  lastEventId = null;
}

async function run(signal) {
  while (!signal.aborted) {
    try {
      if ((await readStream(signal)) === "renewed") continue;
    } catch (error) {
      if (signal.aborted) return;
      // the connection dropped: try again after the pause the server asked for
    }
    if (signal.aborted) return;
    await sleep(RETRY_MS);
  }
}

async function readStream(signal) {
  const headers = { Accept: "text/event-stream" };
  const token = accessTokenNow();
  if (!token) {
    if (!(await refreshTokens())) throw new Error("signed out");
    return;
  }
  headers.Authorization = `Bearer ${token}`;
  if (lastEventId) headers["Last-Event-ID"] = lastEventId;
  const response = await fetch("/users/me/notifications/stream", { headers, signal, cache: "no-store" });
  if (response.status === 401) {
    await refreshTokens();
    return;
  }
  if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      if (!streamExpired) return;
      streamExpired = false;
      return (await refreshTokens()) ? "renewed" : undefined;
    }
    buffer += value.replace(/\r\n/g, "\n");
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      handleEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
    }
  }
}

function handleEvent(block) {
  let type = "message";
  let id = null;
  const data = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") type = value;
    else if (field === "id") id = value;
    else if (field === "data") data.push(value);
  }
  if (id) lastEventId = id;
  if (type === "expired") {
    streamExpired = true;
    return;
  }
  if (type !== "notification" || data.length === 0) return;
  let notification;
  try {
    notification = JSON.parse(data.join("\n"));
  } catch {
    return;
  }
  show(notification);
  refreshStats().catch(() => {});
  refreshUnread().catch(() => {});
  catchUp(notification).catch(() => {});
}

function show(notification) {
  document.dispatchEvent(new CustomEvent("senas:notification", { detail: notification }));
  if (shown.has(notification.id)) return;
  remember(notification.id);
  toast(pick(notification, "title"), pick(notification, "body"), notification.kind === "achievement" ? "achievement" : "info");
}

// One progress event can announce several things at the same instant (two achievements at once); a stream
// that read between the two writes would skip the one sorting first, so look in the inbox for unread
// notifications of that same moment.
async function catchUp(notification) {
  const since = Date.parse(notification.created_at) - CATCH_UP_MS;
  const inbox = await api("/users/me/notifications?limit=10");
  for (const item of inbox.notifications.slice().reverse()) {
    if (!item.read && Date.parse(item.created_at) >= since) show(item);
  }
}
