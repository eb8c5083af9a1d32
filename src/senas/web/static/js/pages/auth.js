// Sign up (with the sign language, dominant hand and daily goal chosen up front), log in, and the MFA steps
// a login may ask for (a TOTP code, or enrolling when the account must have MFA).

import { api, errorText, setTokens } from "../api.js";
import { enterSession, navigate } from "../app.js";
import { append, clear, h } from "../dom.js";
import { lang, pick, t } from "../i18n.js";
import { loadLanguages, state } from "../state.js";
import { busy, DAILY_GOALS, field, formError, radioGroup, select, showError } from "./forms.js";

function nextHash(query) {
  const next = query.get("next");
  // Only a path of this app: never an address elsewhere.
  return next && /^\/[\w/-]*$/.test(next) ? `#${next}` : "#/course";
}

function browserTimezone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch {
    return null;
  }
}

export async function renderSignUp(page, { query }) {
  const languages = await loadLanguages().catch(() => []);
  const email = h("input", { type: "email", name: "email", autocomplete: "email", required: true });
  const password = h("input", {
    type: "password",
    name: "password",
    autocomplete: "new-password",
    required: true,
    minlength: 8,
  });
  const name = h("input", { type: "text", name: "display_name", autocomplete: "nickname", maxlength: 50 });
  const languageOptions = languages.map((item) => [item.code, pick(item, "name")]);
  const language = select("sign_language", languageOptions, languageOptions[0] && languageOptions[0][0]);
  const goal = select(
    "daily_goal_xp",
    DAILY_GOALS.map((xp) => [String(xp), t("goal_option", { xp })]),
    "30",
  );
  const error = formError();
  const form = h(
    "form",
    { class: "card form", novalidate: true },
    field(t("email"), email),
    field(t("password"), password, t("password_hint")),
    field(t("display_name"), name),
    languageOptions.length ? field(t("sign_language"), language) : null,
    radioGroup(t("dominant_hand"), "dominant_hand", [["right", t("hand_right")], ["left", t("hand_left")]], "right"),
    field(t("daily_goal"), goal),
    error,
    h("button", { type: "submit", class: "button primary" }, t("signup_submit")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    showError(error, "");
    busy(form, async () => {
      const data = new FormData(form);
      const body = {
        email: email.value.trim(),
        password: password.value,
        dominant_hand: data.get("dominant_hand") || "right",
        locale: lang(),
      };
      if (name.value.trim()) body.display_name = name.value.trim();
      if (languageOptions.length) body.sign_language = language.value;
      const zone = browserTimezone();
      if (zone) body.timezone = zone;
      try {
        await api("/users/auth/signup", { method: "POST", body, auth: false });
        const signedIn = await logIn(page, body.email, body.password, query);
        if (!signedIn) return;
        const goalXp = Number(goal.value);
        if (state.profile && state.profile.daily_goal_xp !== goalXp) {
          state.profile = await api("/users/me", { method: "PATCH", body: { daily_goal_xp: goalXp } });
        }
        navigate(nextHash(query));
      } catch (failure) {
        showError(error, errorText(failure));
      }
    });
  });
  append(page, 
    h("h1", {}, t("signup_title")),
    form,
    h("p", {}, h("a", { href: "#/login" }, t("have_account"))),
  );
}

export async function renderLogin(page, { query }) {
  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const error = formError();
  const form = h(
    "form",
    { class: "card form", novalidate: true },
    field(t("email"), email),
    field(t("password"), password),
    error,
    h("button", { type: "submit", class: "button primary" }, t("login_submit")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    showError(error, "");
    busy(form, async () => {
      try {
        if (await logIn(page, email.value.trim(), password.value, query)) navigate(nextHash(query));
      } catch (failure) {
        showError(error, errorText(failure));
      }
    });
  });
  append(page, 
    h("h1", {}, t("login_title")),
    query.get("next") ? h("p", { class: "notice" }, t("login_needed")) : null,
    form,
    h("p", {}, h("a", { href: "#/signup" }, t("no_account"))),
  );
}

// Logs in; resolves true when signed in now, false when an MFA step took over the page (it navigates on).
async function logIn(page, email, password, query) {
  const result = await api("/users/auth/login", { method: "POST", body: { email, password }, auth: false });
  if (result.status === "authenticated") {
    setTokens(result.tokens);
    await enterSession();
    return true;
  }
  if (result.challenge === "mfa_setup") await renderMfaSetup(page, result.session, query);
  else renderMfaChallenge(page, result.session, query);
  return false;
}

function codeForm(onCode, submitText) {
  const code = h("input", {
    type: "text",
    name: "code",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    pattern: "[0-9]{6,8}",
    maxlength: 10,
    required: true,
  });
  const error = formError();
  const form = h(
    "form",
    { class: "card form", novalidate: true },
    field(t("mfa_code"), code),
    error,
    h("button", { type: "submit", class: "button primary" }, submitText),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    showError(error, "");
    busy(form, async () => {
      try {
        await onCode(code.value.replace(/\s+/g, ""));
      } catch (failure) {
        showError(error, errorText(failure));
      }
    });
  });
  return { form, code };
}

async function finish(tokens, query) {
  setTokens(tokens);
  await enterSession();
  navigate(nextHash(query));
}

function renderMfaChallenge(page, session, query) {
  const { form, code } = codeForm(async (value) => {
    const tokens = await api("/users/auth/mfa/challenge", { method: "POST", body: { session, code: value }, auth: false });
    await finish(tokens, query);
  }, t("mfa_submit"));
  append(clear(page), h("h1", {}, t("mfa_title")), form);
  code.focus();
}

async function renderMfaSetup(page, session, query) {
  const enrolment = await api("/users/auth/mfa/enrol", { method: "POST", body: { session }, auth: false });
  const { form, code } = codeForm(async (value) => {
    const result = await api("/users/auth/mfa/confirm", { method: "POST", body: { session, code: value }, auth: false });
    await finish(result.tokens, query);
  }, t("mfa_submit"));
  append(clear(page), 
    h("h1", {}, t("mfa_title")),
    h("p", {}, t("mfa_setup_lead")),
    mfaSecret(enrolment),
    form,
  );
  code.focus();
}

export function mfaSecret(enrolment) {
  return h(
    "dl",
    { class: "mfa-secret" },
    h("dt", {}, t("mfa_secret")),
    h("dd", {}, h("code", {}, enrolment.secret)),
    h("dt", {}, t("mfa_uri")),
    h("dd", {}, h("a", { href: enrolment.otpauth_uri }, enrolment.otpauth_uri)),
  );
}
