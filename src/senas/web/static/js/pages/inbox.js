// The learner's notifications, newest first: achievements, completed levels … Unread ones are marked; each can
// be marked read, or all of those shown at once; older ones come with "Cargar más" (the inbox is paged by
// cursor); new ones arrive live from the stream (notifications.js) at the top of the list.

import { api, errorText } from "../api.js";
import { onLeave } from "../app.js";
import { append, h, uid } from "../dom.js";
import { formatDateTime, pick, t } from "../i18n.js";
import { refreshUnread } from "../unread.js";

const PAGE_SIZE = 20;

// What the users service sends (src/senas/users/notifications/service.py), with where each one leads.
const KINDS = {
  achievement: { label: () => t("kind_achievement"), icon: "/static/medal.svg", href: "#/achievements", link: () => t("inbox_see_achievements") },
  level_completed: { label: () => t("kind_level_completed"), icon: "/static/medal.svg", href: "#/course", link: () => t("inbox_see_course") },
};
const OTHER = { label: () => t("kind_other"), icon: null, href: null, link: () => "" };

function inboxUrl(cursor) {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) query.set("cursor", cursor);
  return `/users/me/notifications?${query}`;
}

export async function render(page) {
  const first = await api(inboxUrl(null));
  const heading = h("h1", { tabindex: -1 }, t("inbox_title"));
  const status = h("p", { class: "inbox-status", role: "status" });
  const list = h("ul", { class: "inbox", "aria-label": t("inbox_list"), dataset: { testid: "inbox" } });
  const empty = h("p", { class: "notice inbox-empty", dataset: { testid: "inbox-empty" } }, t("inbox_empty"), " ", h("a", { href: "#/course" }, t("inbox_see_course")));
  const markAll = h("button", { type: "button", class: "button" }, t("inbox_mark_all"));
  const more = h("button", { type: "button", class: "button" }, t("inbox_more"));
  const ids = new Set();
  let cursor = first.cursor;

  const unreadShown = () => [...list.querySelectorAll("li.notification.unread")];
  const update = () => {
    empty.hidden = ids.size > 0;
    list.hidden = ids.size === 0;
    markAll.hidden = unreadShown().length === 0;
    more.hidden = !cursor;
  };

  // Marks one read on the server and on the page; the item is returned as the server now has it.
  const markRead = async (item) => {
    const updated = await api(`/users/me/notifications/${encodeURIComponent(item.dataset.id)}/read`, { method: "POST" });
    showRead(item, updated.read);
    return updated;
  };

  const entry = (notification) => {
    const kind = KINDS[notification.kind] || OTHER;
    const titleId = uid("notif");
    const item = h("li", {
      class: `card notification ${notification.read ? "read" : "unread"}`,
      tabindex: -1,
      "aria-labelledby": titleId,
      dataset: { id: notification.id, kind: notification.kind, testid: "notification" },
    });
    const mark = h("button", { type: "button", class: "button small mark-read", "aria-describedby": titleId }, t("inbox_mark_read"));
    mark.addEventListener("click", async () => {
      mark.disabled = true;
      try {
        await markRead(item);
        status.textContent = t("inbox_marked_one");
        // The button is gone: keep the keyboard in the same place, on the notification itself.
        item.focus();
        update();
        await refreshUnread();
      } catch (failure) {
        mark.disabled = false;
        status.textContent = errorText(failure);
      }
    });
    append(
      item,
      kind.icon ? h("img", { src: kind.icon, alt: "", class: "notification-icon" }) : null,
      h(
        "div",
        { class: "notification-text" },
        h(
          "p",
          { class: "notification-meta" },
          h("span", { class: "notification-kind" }, kind.label()),
          " · ",
          h("time", { datetime: notification.created_at }, formatDateTime(notification.created_at)),
          notification.read ? null : h("span", { class: "unread-label" }, t("inbox_unread")),
        ),
        h("h2", { id: titleId }, pick(notification, "title")),
        h("p", { class: "notification-body" }, pick(notification, "body")),
        h(
          "p",
          { class: "actions" },
          kind.href ? h("a", { href: kind.href }, kind.link()) : null,
          notification.read ? null : mark,
        ),
      ),
    );
    return item;
  };

  const add = (notifications, where = "end") => {
    const added = [];
    for (const notification of notifications) {
      if (ids.has(notification.id)) continue;
      ids.add(notification.id);
      const item = entry(notification);
      added.push(item);
    }
    if (where === "start") list.prepend(...added);
    else list.append(...added);
    update();
    return added;
  };

  markAll.addEventListener("click", async () => {
    const items = unreadShown();
    markAll.disabled = true;
    let marked = 0;
    let failure = null;
    // One at a time: the inbox is small, and the learner sees each go as it is done.
    for (const item of items) {
      try {
        await markRead(item);
        marked += 1;
      } catch (error) {
        failure = error;
      }
    }
    markAll.disabled = false;
    status.textContent = failure ? errorText(failure) : t("inbox_marked_all", { n: marked });
    update();
    // The button is hidden once nothing shown is unread: focus goes back to the top of the page.
    if (markAll.hidden) heading.focus();
    await refreshUnread().catch(() => {});
  });

  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const next = await api(inboxUrl(cursor));
      cursor = next.cursor;
      const added = add(next.notifications);
      status.textContent = t("inbox_loaded", { n: added.length });
      if (added.length) added[0].focus();
      else if (more.hidden) heading.focus();
    } catch (failure) {
      status.textContent = errorText(failure);
    } finally {
      more.disabled = false;
    }
  });

  // Live: what the stream brings goes on top (the toast has already announced it).
  const onNotification = (event) => add([event.detail], "start");
  document.addEventListener("senas:notification", onNotification);
  onLeave(() => document.removeEventListener("senas:notification", onNotification));

  append(
    page,
    heading,
    h("p", { class: "lead" }, t("inbox_lead")),
    h("div", { class: "actions inbox-tools" }, markAll),
    status,
    empty,
    list,
    h("div", { class: "actions" }, more),
  );
  add(first.notifications);
  // The page is shown now: the count in the header agrees with what it lists.
  refreshUnread().catch(() => {});
}

function showRead(item, read) {
  if (!read) return;
  item.classList.remove("unread");
  item.classList.add("read");
  for (const stale of item.querySelectorAll(".unread-label, .mark-read")) stale.remove();
}
