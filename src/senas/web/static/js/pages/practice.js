// Camera practice of one sign, outside a lesson: the reference sign beside the learner's own attempt.

import { api } from "../api.js";
import { onLeave } from "../app.js";
import { cameraPractice } from "../camera.js";
import { append, h } from "../dom.js";
import { t } from "../i18n.js";
import { signMedia } from "../media.js";
import { refreshStats } from "../state.js";

export async function render(page, { params }) {
  const sign = await api(`/content/signs/${encodeURIComponent(params[0])}`, { auth: false });
  const camera = cameraPractice({
    signId: sign.id,
    // A passed attempt earns XP once the result reaches the user service; show it when it lands.
    onResult: () => setTimeout(() => refreshStats().catch(() => {}), 1500),
  });
  onLeave(() => camera.stop());
  append(page, 
    h("h1", {}, t("practice_title", { gloss: sign.gloss })),
    h(
      "div",
      { class: "practice-layout" },
      h("section", { class: "card", "aria-labelledby": "reference-heading" }, h("h2", { id: "reference-heading" }, t("practice_reference")), signMedia(sign)),
      camera.element,
    ),
  );
}
