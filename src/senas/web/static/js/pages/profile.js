// Profile and settings: name, sign language, dominant hand, daily goal, time zone, interface language; whether
// two-step verification is on, and turning it on; logging out.

import { api, errorText } from "../api.js";
import { logout } from "../app.js";
import { append, h } from "../dom.js";
import { lang, pick, setLang, t } from "../i18n.js";
import { loadLanguages, loadProfile, refreshStats, state } from "../state.js";
import { mfaSecret } from "./auth.js";
import { busy, DAILY_GOALS, field, formError, radioGroup, select, showError } from "./forms.js";
/* --- live landmarks --- */
import { privacySection } from "../live/privacy_setting.js";
/* --- end live landmarks --- */

export async function render(page) {
  const [profile, languages] = await Promise.all([loadProfile(), loadLanguages().catch(() => [])]);
  const name = h("input", { type: "text", name: "display_name", value: profile.display_name, maxlength: 50, required: true });
  const languageOptions = languages.map((item) => [item.code, pick(item, "name")]);
  if (!languageOptions.some(([code]) => code === profile.sign_language)) languageOptions.push([profile.sign_language, profile.sign_language]);
  const language = select("sign_language", languageOptions, profile.sign_language);
  const goals = DAILY_GOALS.includes(profile.daily_goal_xp) ? DAILY_GOALS : [...DAILY_GOALS, profile.daily_goal_xp].sort((a, b) => a - b);
  const goal = select("daily_goal_xp", goals.map((xp) => [String(xp), t("goal_option", { xp })]), String(profile.daily_goal_xp));
  const timezone = h("input", { type: "text", name: "timezone", value: profile.timezone, maxlength: 64, autocomplete: "off" });
  const locale = select("locale", [["es", "Español"], ["en", "English"]], profile.locale.slice(0, 2));
  const error = formError();
  const saved = h("p", { class: "saved", role: "status" });
  const form = h(
    "form",
    { class: "card form", novalidate: true },
    field(t("display_name"), name),
    field(t("sign_language"), language),
    radioGroup(t("dominant_hand"), "dominant_hand", [["right", t("hand_right")], ["left", t("hand_left")]], profile.dominant_hand),
    field(t("daily_goal"), goal),
    field(t("timezone"), timezone),
    field(t("interface_language"), locale),
    error,
    h("button", { type: "submit", class: "button primary" }, t("save")),
    saved,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    showError(error, "");
    saved.textContent = "";
    busy(form, async () => {
      const data = new FormData(form);
      try {
        state.profile = await api("/users/me", {
          method: "PATCH",
          body: {
            display_name: name.value.trim(),
            sign_language: language.value,
            dominant_hand: data.get("dominant_hand"),
            daily_goal_xp: Number(goal.value),
            timezone: timezone.value.trim(),
            locale: locale.value,
          },
        });
        saved.textContent = t("saved");
        refreshStats().catch(() => {});
        if (locale.value !== lang()) setLang(locale.value);
      } catch (failure) {
        showError(error, errorText(failure));
      }
    });
  });
  append(page, 
    h("h1", {}, t("profile_title")),
    h("p", {}, profile.email || ""),
    form,
    mfaSection(profile),
    privacySection(), /* --- live landmarks --- */
    h("p", {}, h("button", { type: "button", class: "button", onclick: logout }, t("logout"))),
  );
}

// The account's two-step verification as the server reports it (on, off, or off but required), in words: the
// status line is what tells, not a colour. Enrolment is offered only while it is off.
function mfaSection(profile) {
  const section = h("section", { class: "card", "aria-labelledby": "mfa-heading" }, h("h2", { id: "mfa-heading" }, t("mfa_section")));
  const status = h("p", { class: "mfa-status", role: "status", tabindex: -1, dataset: { testid: "mfa-status" } });
  const show = (enabled) => {
    status.textContent = mfaStatusText(enabled, profile.mfa_required);
    status.dataset.state = enabled ? "on" : profile.mfa_required ? "required" : "off";
  };
  show(profile.mfa_enabled);
  const error = formError();
  if (profile.mfa_enabled) {
    append(section, status, error);
    return section;
  }
  const start = h("button", { type: "button", class: "button" }, t("mfa_enable"));
  start.addEventListener("click", async () => {
    showError(error, "");
    start.disabled = true;
    try {
      const enrolment = await api("/users/auth/mfa/enrol", { method: "POST", body: {} });
      const code = h("input", { type: "text", name: "code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 10, required: true });
      const form = h("form", { class: "form" }, mfaSecret(enrolment), field(t("mfa_code"), code), h("button", { type: "submit", class: "button primary" }, t("mfa_confirm")));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        showError(error, "");
        busy(form, async () => {
          try {
            await api("/users/auth/mfa/confirm", { method: "POST", body: { code: code.value.replace(/\s+/g, "") } });
            form.remove();
            if (state.profile) state.profile = { ...state.profile, mfa_enabled: true };
            show(true);
            status.focus(); // the form that had the focus is gone
          } catch (failure) {
            showError(error, errorText(failure));
          }
        });
      });
      start.replaceWith(form);
      code.focus();
    } catch (failure) {
      start.disabled = false;
      showError(error, errorText(failure));
    }
  });
  append(section, status, start, error);
  return section;
}

function mfaStatusText(enabled, required) {
  if (enabled) return required ? t("mfa_status_on_required") : t("mfa_status_on");
  return required ? t("mfa_status_off_required") : t("mfa_status_off");
}
