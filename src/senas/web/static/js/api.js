// Talking to the three services behind this origin, with the learner's tokens.
//
// Where the tokens live: the access token only in memory (a script injected into the page could read any
// storage, and the access token is the one that opens every API, so it never touches storage and dies with the
// tab). The refresh token goes to sessionStorage, not localStorage: a reload of the tab keeps the learner signed
// in, closing the tab forgets it, and refresh tokens rotate on every use with reuse detection on the server, so
// a stolen copy stops working as soon as either party uses it. An HttpOnly cookie would hide it from scripts
// entirely, but the user service speaks bearer tokens in JSON bodies, and a strict CSP (no inline or foreign
// scripts) is what guards this page.

import { localise, t } from "./i18n.js";

const REFRESH_KEY = "senas.refresh";
let accessToken = null;
let refreshing = null;
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, code, detail, fields = []) {
    super(detail);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.fields = fields;
  }
}

// The message to show a person for any error, in the interface language.
export function errorText(error) {
  if (error instanceof ApiError) {
    return error.status === 0 ? t("error_network") : localise(error.detail) || t("error_generic");
  }
  return t("error_generic");
}

export function onAuthChange(listener) {
  listeners.add(listener);
}

function announce() {
  for (const listener of listeners) listener(isSignedIn());
}

function storedRefresh() {
  try {
    return sessionStorage.getItem(REFRESH_KEY);
  } catch {
    return null;
  }
}

export function isSignedIn() {
  return accessToken !== null;
}

export function hasSession() {
  return accessToken !== null || storedRefresh() !== null;
}

export function accessTokenNow() {
  return accessToken;
}

export function setTokens(tokens) {
  accessToken = tokens.access_token;
  try {
    sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
  } catch {
    // storage unavailable: the session lasts until the tab reloads
  }
  announce();
}

export function forgetTokens() {
  accessToken = null;
  try {
    sessionStorage.removeItem(REFRESH_KEY);
  } catch {
    // nothing stored
  }
  announce();
}

async function parseError(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const code = body && typeof body.error === "string" ? body.error : `http_${response.status}`;
  const detail = body && typeof body.detail === "string" ? body.detail : t("error_generic");
  return new ApiError(response.status, code, detail, (body && body.fields) || []);
}

// One refresh at a time: the refresh token rotates, so two parallel refreshes would look like reuse.
export function refreshTokens() {
  if (refreshing) return refreshing;
  const token = storedRefresh();
  if (!token) return Promise.resolve(false);
  refreshing = (async () => {
    try {
      const response = await fetch("/users/auth/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ refresh_token: token }),
      });
      if (!response.ok) {
        // Only a refused token signs the learner out; a rate limit (429) or an outage (5xx) keeps it for later.
        if (response.status === 401 || response.status === 400 || response.status === 422) forgetTokens();
        return false;
      }
      setTokens(await response.json());
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

// api("/users/me"), api("/users/me", {method: "PATCH", body: {...}}); throws ApiError on failure.
// A binary body (a photo) goes as {blob}, sent as is with the Blob's type.
// A 401 on an authenticated call refreshes the tokens once and repeats the call.
export async function api(path, options = {}) {
  const { method = "GET", body, blob, auth = true, idempotencyKey, signal, headers = {} } = options;
  const send = async () => {
    const all = { Accept: "application/json", ...headers };
    if (body !== undefined) all["Content-Type"] = "application/json";
    else if (blob !== undefined) all["Content-Type"] = blob.type || "application/octet-stream";
    if (auth && accessToken) all.Authorization = `Bearer ${accessToken}`;
    if (idempotencyKey) all["Idempotency-Key"] = idempotencyKey;
    return fetch(path, {
      method,
      headers: all,
      body: body !== undefined ? JSON.stringify(body) : blob,
      signal,
    });
  };
  let response;
  try {
    if (auth && !accessToken && storedRefresh()) await refreshTokens();
    response = await send();
    if (response.status === 401 && auth && storedRefresh()) {
      if (await refreshTokens()) response = await send();
    }
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError(0, "network", t("error_network"));
  }
  if (!response.ok) throw await parseError(response);
  if (response.status === 204) return null;
  return response.json();
}

export function newIdempotencyKey() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  return `k${Date.now().toString(36)}${Math.random().toString(36).slice(2, 12)}`;
}
