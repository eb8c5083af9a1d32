// The single-page app: hash routes (#/course, #/lesson/<id> …) so the server only ever serves index.html,
// the header (navigation, XP and streak, language switch) and the start-up (a reload resumes the session from
// the refresh token).

import { api, errorText, forgetTokens, hasSession, isSignedIn, onAuthChange, refreshTokens } from "./api.js";
import { append, clear, h } from "./dom.js";
import { applyStatic, lang, setLang, t } from "./i18n.js";
import { startNotifications, stopNotifications } from "./notifications.js";
import { loadProfile, refreshStats, renderStats, resetState, state } from "./state.js";
import { refreshUnread, renderUnread, resetUnread } from "./unread.js";
/* --- studio --- */
import { isAuthor } from "./studio/access.js";
import "./studio/texts.js";
/* --- end studio --- */
/* --- mobile/offline --- */
import { enhanceNav } from "./mobile/nav.js";
import { forgetOffline, isOffline, rememberUser, sendQueued, startOffline } from "./offline/connection.js";
import { setStats } from "./state.js";
/* --- end mobile/offline --- */

const ROUTES = [
  { pattern: /^\/?$/, page: "home" },
  { pattern: /^\/login$/, page: "login", module: "./pages/auth.js", render: "renderLogin" },
  { pattern: /^\/signup$/, page: "signup", module: "./pages/auth.js", render: "renderSignUp" },
  { pattern: /^\/course$/, page: "course", module: "./pages/course.js", auth: true },
  { pattern: /^\/lesson\/([\w-]+)$/, page: "lesson", module: "./pages/lesson.js", auth: true },
  { pattern: /^\/practice\/([\w-]+)$/, page: "practice", module: "./pages/practice.js", auth: true },
  { pattern: /^\/review$/, page: "review", module: "./pages/review.js", auth: true },
  { pattern: /^\/dictionary$/, page: "dictionary", module: "./pages/dictionary.js" },
  { pattern: /^\/sign\/([\w-]+)$/, page: "sign", module: "./pages/sign.js" },
  { pattern: /^\/profile$/, page: "profile", module: "./pages/profile.js", auth: true },
  { pattern: /^\/achievements$/, page: "achievements", module: "./pages/achievements.js", auth: true },
  { pattern: /^\/notifications$/, page: "notifications", module: "./pages/inbox.js", auth: true },
  { pattern: /^\/leaderboard$/, page: "leaderboard", module: "./pages/leaderboard.js", auth: true },
  /* --- studio --- */
  { pattern: /^\/studio$/, page: "studio", module: "./studio/studio.js", auth: true },
  { pattern: /^\/studio\/sign\/([\w-]+)$/, page: "studio-sign", module: "./studio/studio.js", render: "renderSign", auth: true },
  { pattern: /^\/studio\/lesson\/([\w-]+)$/, page: "studio-lesson", module: "./studio/studio.js", render: "renderLesson", auth: true },
  { pattern: /^\/studio\/preview\/([\w-]+)$/, page: "studio-preview", module: "./studio/studio.js", render: "renderPreview", auth: true },
  /* --- end studio --- */
];

const IN_PROGRESS = new Set(["lesson", "practice", "review"]);
// --- mobile/offline --- Pages that work with no connection for a learner whose session could not be renewed
// (its refresh token is kept, the server unreachable): a lesson they opened before, from the offline cache.
const OFFLINE_PAGES = new Set(["lesson"]);
// --- end mobile/offline ---

// Pages register what must stop when the learner leaves them (a camera, a polling loop).
const leaving = [];
export function onLeave(callback) {
  leaving.push(callback);
}

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?");
  return { path, query: new URLSearchParams(query) };
}

function renderNav() {
  const nav = document.getElementById("nav");
  clear(nav);
  const { path } = parseHash();
  const anchor = (hash, key) => {
    const current = path === hash.slice(1) || (hash === "#/course" && path === "/");
    return h("a", { href: hash, "aria-current": current ? "page" : null }, t(key));
  };
  const link = (hash, key) => h("li", {}, anchor(hash, key));
  const inbox = () => {
    const item = anchor("#/notifications", "nav_notifications");
    item.dataset.nav = "notifications";
    renderUnread(item);
    return h("li", {}, item);
  };
  // mobile/offline: a session kept while offline still shows the learner's sections (they say what needs a connection)
  const items = isSignedIn() || (hasSession() && isOffline())
    ? [
        link("#/course", "nav_course"),
        link("#/review", "nav_review"),
        link("#/dictionary", "nav_dictionary"),
        link("#/achievements", "nav_achievements"),
        link("#/leaderboard", "nav_leaderboard"),
        inbox(),
        /* --- studio --- */
        isAuthor() ? link("#/studio", "nav_studio") : null,
        /* --- end studio --- */
        link("#/profile", "nav_profile"),
        h("li", {}, h("button", { type: "button", class: "link-button", onclick: logout }, t("nav_logout"))),
      ]
    : [link("#/dictionary", "nav_dictionary"), link("#/login", "nav_login"), link("#/signup", "nav_signup")];
  append(nav, h("ul", {}, items));
  enhanceNav(nav, path); // mobile: bottom bar and "more" menu on narrow screens
}

export async function logout() {
  const token = sessionStorage.getItem("senas.refresh");
  if (token) {
    api("/users/auth/logout", { method: "POST", body: { refresh_token: token }, auth: false }).catch(() => {});
  }
  stopNotifications();
  forgetOffline(); // mobile/offline: this learner's unsent writes and kept lessons go with the session
  forgetTokens();
  resetState();
  resetUnread();
  navigate("#/");
}

// After sign-in (or a resumed session): profile, numbers in the header, the unread count, the live stream.
export async function enterSession() {
  await loadProfile();
  renderNav(); /* studio: the author's link needs the profile */
  rememberUser(state.profile.user_id); // mobile/offline: writes made offline in this tab are this learner's
  await Promise.all([refreshStats().catch(() => {}), refreshUnread().catch(() => {})]);
  startNotifications();
  sendQueued({ signedIn: isSignedIn, onCompleted: setStats }); // mobile/offline: anything left from offline
}

let routing = 0;
let firstRoute = true;
export async function route() {
  const ticket = ++routing;
  while (leaving.length) {
    try {
      leaving.pop()();
    } catch {
      // a page's clean-up must not block the next page
    }
  }
  const main = document.getElementById("main");
  const { path, query } = parseHash();
  renderNav();
  let match = null;
  let params = [];
  for (const candidate of ROUTES) {
    const found = candidate.pattern.exec(path);
    if (found) {
      match = candidate;
      params = found.slice(1);
      break;
    }
  }
  // mobile/offline: a session that could not be renewed for lack of a connection
  const offlineSession = !isSignedIn() && hasSession() && isOffline();
  if (match && match.page === "home") {
    match = isSignedIn() || offlineSession ? ROUTES.find((r) => r.page === "course") : { page: "home", module: "./pages/home.js" };
  }
  if (match && match.auth && offlineSession && !OFFLINE_PAGES.has(match.page)) {
    match = { page: "offline", module: "./offline/page.js" }; // mobile/offline: the lessons kept offline instead
  }
  clear(main);
  main.dataset.page = match ? match.page : "not-found";
  if (!match) {
    append(main, h("h1", {}, t("not_found")));
    document.title = `${t("not_found")} — Señas`;
    return;
  }
  if (match.auth && !isSignedIn() && !(hasSession() && OFFLINE_PAGES.has(match.page))) {
    navigate(`#/login?next=${encodeURIComponent(path)}`);
    return;
  }
  append(main, h("p", { class: "loading", role: "status" }, t("loading")));
  try {
    const module = await import(match.module);
    if (ticket !== routing) return;
    const page = document.createElement("div");
    page.className = `page page-${match.page}`;
    await module[match.render || "render"](page, { params, query, isCurrent: () => ticket === routing });
    if (ticket !== routing) return;
    append(clear(main), page);
  } catch (error) {
    if (ticket !== routing) return;
    if (isOffline()) {
      // mobile/offline: a page that could not load for lack of a connection says so, with the lessons kept offline
      const offline = await import("./offline/page.js");
      const page = h("div", { class: "page page-offline" });
      await offline.render(page);
      if (ticket !== routing) return;
      main.dataset.page = "offline";
      append(clear(main), page);
    } else {
      append(clear(main), h("p", { class: "error", role: "alert" }, errorText(error)));
    }
  }
  const heading = main.querySelector("h1");
  document.title = heading ? `${heading.textContent} — Señas` : "Señas";
  // After an in-app navigation, move focus to the new page so screen readers announce it (on the first load the
  // browser starts at the top, where the skip link is).
  if (!firstRoute && !main.contains(document.activeElement)) main.focus({ preventScroll: true });
  firstRoute = false;
  window.scrollTo(0, 0);
}

async function start() {
  applyStatic();
  // The skip link would otherwise change the hash, which is this app's route.
  document.querySelector(".skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    document.getElementById("main").focus();
  });
  document.getElementById("lang-switch").addEventListener("click", () => {
    const next = lang() === "es" ? "en" : "es";
    setLang(next);
    if (isSignedIn() && state.profile && !state.profile.locale.startsWith(next)) {
      api("/users/me", { method: "PATCH", body: { locale: next } })
        .then((profile) => {
          state.profile = profile;
        })
        .catch(() => {});
    }
  });
  document.addEventListener("senas:lang", () => {
    renderStats();
    // A lesson, a practice or a review in progress keeps its place: what it shows next uses the new language.
    const page = document.getElementById("main").dataset.page;
    if (IN_PROGRESS.has(page)) renderNav();
    else route();
  });
  onAuthChange(() => renderNav());
  /* --- mobile/offline --- */
  startOffline({
    onBack: async () => {
      if (!isSignedIn() && hasSession()) {
        if (await refreshTokens().catch(() => false)) {
          await enterSession().catch(() => {});
          // the offline stand-in page gives way to the page the learner asked for
          if (document.getElementById("main").dataset.page === "offline") route();
        }
      } else {
        await sendQueued({ signedIn: isSignedIn, onCompleted: setStats });
      }
    },
  });
  /* --- end mobile/offline --- */
  window.addEventListener("hashchange", route);
  window.addEventListener("offline", () => renderNav()); // mobile/offline: see renderNav
  if (hasSession()) {
    try {
      if (await refreshTokens()) await enterSession();
    } catch {
      forgetTokens();
    }
  }
  await route();
}

start();
