// An accessible in-page confirmation (a modal <dialog>: focus moves into it, Escape cancels, focus returns to
// where it was) instead of window.confirm(), which cannot show a list or be styled.

import { append, h, uid } from "../dom.js";
import { t } from "../i18n.js";

// confirmDialog({title, body, confirmLabel, danger, allowConfirm}) resolves to true (confirmed) or false.
export function confirmDialog({ title, body = [], confirmLabel, danger = false, allowConfirm = true }) {
  return new Promise((resolve) => {
    const previous = document.activeElement;
    const titleId = uid("dialog-title");
    const confirm = h(
      "button",
      { type: "button", class: `button ${danger ? "danger" : "primary"}`, disabled: !allowConfirm, dataset: { testid: "dialog-confirm" } },
      confirmLabel || t("studio_confirm"),
    );
    const cancel = h("button", { type: "button", class: "button", dataset: { testid: "dialog-cancel" } }, t("studio_cancel"));
    const dialog = h(
      "dialog",
      { class: "studio-dialog", "aria-labelledby": titleId, "aria-modal": "true" },
      h("h2", { id: titleId }, title),
      append(h("div", { class: "studio-dialog-body" }), body),
      h("p", { class: "actions" }, confirm, cancel),
    );
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      if (previous && previous.focus) previous.focus();
      resolve(answer);
    };
    confirm.addEventListener("click", () => close(true));
    cancel.addEventListener("click", () => close(false));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      close(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    (allowConfirm ? confirm : cancel).focus();
  });
}
