// The profile's privacy-mode switch: on this device, practise with landmarks computed here (no video upload) or
// upload the video. Saved at once (per device); where the browser cannot compute landmarks it says why and the
// switch is off and disabled.

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { liveSupport } from "./engine.js";
import { choosePrivacy, privacyChosen } from "./preference.js";
import { reasonText } from "./practice.js";
import "./texts.js";

export function privacySection() {
  const support = liveSupport();
  const box = h("input", { type: "checkbox", id: "privacy-mode", name: "privacy_mode", dataset: { testid: "privacy-toggle" } });
  box.checked = support.ok && privacyChosen();
  box.disabled = !support.ok;
  const saved = h("p", { class: "saved", role: "status" });
  box.addEventListener("change", () => {
    choosePrivacy(box.checked);
    saved.textContent = t("profile_privacy_saved");
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": "privacy-heading" },
    h("h2", { id: "privacy-heading" }, t("profile_privacy_title")),
    h("p", { class: "check" }, box, " ", h("label", { for: "privacy-mode" }, t("profile_privacy_label"))),
    h("p", { class: "hint" }, t("profile_privacy_help")),
    support.ok ? null : h("p", { class: "hint", dataset: { testid: "privacy-unavailable" } }, t("profile_privacy_unavailable", { reason: reasonText(support.reason) })),
    saved,
  );
}
