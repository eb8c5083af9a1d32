// Toasts: short notices in a polite live region, dismissable with a button (and Escape), gone after a while.

import { append, h } from "./dom.js";
import { t } from "./i18n.js";

const VISIBLE_MS = 10000;

export function toast(title, body = "", kind = "info") {
  const box = document.getElementById("toasts");
  if (!box) return null;
  const close = h("button", { type: "button", class: "toast-close", "aria-label": t("notification_close") }, "×");
  const item = h(
    "div",
    { class: `toast toast-${kind}`, dataset: { testid: "toast" } },
    h("p", { class: "toast-title" }, title),
    body ? h("p", { class: "toast-body" }, body) : null,
    close,
  );
  const remove = () => item.remove();
  close.addEventListener("click", remove);
  item.addEventListener("keydown", (event) => {
    if (event.key === "Escape") remove();
  });
  append(box, item);
  setTimeout(remove, VISIBLE_MS);
  return item;
}
