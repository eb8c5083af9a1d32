// Who sees the studio: authors (teacher or admin) signed in with two-step verification. The services check the
// role on every author route whatever the page shows; this only keeps the studio out of a learner's way.

import { isSignedIn } from "../api.js";
import { state } from "../state.js";

export function isAuthor() {
  const profile = state.profile;
  if (!isSignedIn() || !profile) return false;
  const roles = profile.roles || [];
  return (roles.includes("teacher") || roles.includes("admin")) && profile.mfa_enabled === true;
}
