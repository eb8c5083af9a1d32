// Camera practice with landmarks computed on the device (privacy mode): the skeleton overlay and the quality hint
// on the self-view, and — where the learner keeps privacy mode on and the browser can run the engine — the attempt
// sent as landmarks (POST /ml/sessions {mode: "landmarks"} → POST /ml/sessions/{id}/landmarks), scored by the same
// server scorer as a video; no video leaves the device. Otherwise the video path runs, and the page says why.

import { api, ApiError } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { liveSupport } from "./engine.js";
import { privacyChosen } from "./preference.js";
import { liveTracker } from "./tracker.js";
import "./texts.js";

const REASONS = {
  no_wasm: "live_reason_no_wasm",
  no_camera: "live_reason_no_camera",
  engine_missing: "live_reason_engine_missing",
  engine_failed: "live_reason_engine_failed",
};

// Why the device cannot compute landmarks, in words.
export function reasonText(reason) {
  return t(REASONS[reason] || REASONS.engine_failed);
}

// Adds the live layer to a self-view camera that is on. mode() is "landmarks" or "video"; note is the visible
// line that says which, and why.
export function livePractice(camera) {
  const note = h("p", { class: "privacy-note", dataset: { testid: "privacy-mode", mode: "video" } });
  let tracker = null;
  let mode = "video";

  function say(text, chosen) {
    mode = chosen;
    note.textContent = text;
    note.dataset.mode = chosen;
  }

  async function start() {
    const support = liveSupport();
    if (!support.ok) {
      say(t("live_privacy_unavailable", { reason: reasonText(support.reason) }), "video");
      return;
    }
    tracker = liveTracker(camera);
    note.before(tracker.hint);
    const outcome = await tracker.start();
    if (!outcome.ok) {
      if (outcome.reason !== "stopped") say(t("live_privacy_unavailable", { reason: reasonText(outcome.reason) }), "video");
      return;
    }
    if (privacyChosen()) say(t("live_privacy_on"), "landmarks");
    else say(t("live_privacy_off"), "video");
  }

  // Records `ms` of landmarks and has them scored; resolves to the session id.
  async function attempt({ signId, lessonId, dominantHand, ms }) {
    const take = await tracker.record(ms, dominantHand);
    if (!take.frames.length) throw new ApiError(422, "no_frames", t("live_no_frames"));
    const body = { sign_id: signId, mode: "landmarks", dominant_hand: dominantHand };
    if (lessonId) body.lesson_id = lessonId;
    const session = await api("/ml/sessions", { method: "POST", body });
    await api(`/ml/sessions/${encodeURIComponent(session.session_id)}/landmarks`, {
      method: "POST",
      body: { frames: take.frames, fps: take.fps, width: take.width, height: take.height },
    });
    return session.session_id;
  }

  function stop() {
    if (tracker) tracker.stop();
  }

  // The video path records with the engine at rest (see tracker.pause).
  function rest(on) {
    if (tracker) tracker.pause(on);
  }

  const element = h("div", { class: "live-practice" }, note);
  return { element, start, stop, attempt, rest, mode: () => mode };
}
