// Small helpers for accessible forms: every control has a visible label, hints and errors are tied to it.

import { h, uid } from "../dom.js";

export function field(label, control, hint) {
  const id = control.id || uid("f");
  control.id = id;
  let hintEl = null;
  if (hint) {
    hintEl = h("p", { class: "hint", id: `${id}-hint` }, hint);
    control.setAttribute("aria-describedby", `${id}-hint`);
  }
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hintEl);
}

export function radioGroup(legend, name, options, checked) {
  return h(
    "fieldset",
    { class: "field radios" },
    h("legend", {}, legend),
    options.map(([value, text]) => {
      const id = uid(name);
      return h(
        "span",
        { class: "radio" },
        h("input", { type: "radio", name, id, value, checked: value === checked }),
        h("label", { for: id }, text),
      );
    }),
  );
}

export function select(name, options, selected) {
  return h(
    "select",
    { name },
    options.map(([value, text]) => h("option", { value, selected: value === selected }, text)),
  );
}

export function formError() {
  return h("p", { class: "form-error", role: "alert", hidden: true });
}

export function showError(box, message) {
  box.textContent = message;
  box.hidden = !message;
}

// Disables the form's submit button while work is in flight, so a double press sends one request.
export async function busy(form, work) {
  const button = form.querySelector("[type=submit]");
  if (button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }
  try {
    return await work();
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }
}

export const DAILY_GOALS = [10, 20, 30, 50, 100];
