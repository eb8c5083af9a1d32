// One sign of the dictionary: its media with the player's controls, its text and a way to practise it.

import { api, isSignedIn } from "../api.js";
import { append, h } from "../dom.js";
import { pick, t } from "../i18n.js";
import { signMedia } from "../media.js";

export async function render(page, { params }) {
  const sign = await api(`/content/signs/${encodeURIComponent(params[0])}`, { auth: false });
  const practise = isSignedIn() ? `#/practice/${sign.id}` : `#/login?next=${encodeURIComponent(`/practice/${sign.id}`)}`;
  append(page, 
    h("h1", {}, t("sign_title", { gloss: sign.gloss })),
    h(
      "div",
      { class: "sign-detail" },
      signMedia(sign),
      h(
        "div",
        {},
        h("p", { class: "lead" }, pick(sign, "meaning")),
        h("p", {}, pick(sign, "description")),
        h(
          "dl",
          { class: "facts" },
          sign.category ? [h("dt", {}, t("category")), h("dd", {}, sign.category)] : null,
          sign.handshape ? [h("dt", {}, t("handshape")), h("dd", {}, sign.handshape)] : null,
        ),
        h("p", {}, h("a", { class: "button primary", href: practise }, t("sign_practice"))),
      ),
    ),
  );
}
