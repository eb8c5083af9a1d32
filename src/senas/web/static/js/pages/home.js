// What a newcomer sees first: what Señas is and where to start.

import { append, h } from "../dom.js";
import { t } from "../i18n.js";

export async function render(page) {
  append(page, 
    h(
      "section",
      { class: "hero" },
      h("h1", {}, t("welcome_title")),
      h("p", { class: "lead" }, t("welcome_lead")),
      h(
        "p",
        { class: "actions" },
        h("a", { class: "button primary", href: "#/signup" }, t("welcome_start")),
        h("a", { class: "button", href: "#/login" }, t("welcome_login")),
        h("a", { class: "button ghost", href: "#/dictionary" }, t("welcome_dictionary")),
      ),
    ),
  );
}
