// Landmarks of the self-view, frame after frame, on the device: the hands on every new video frame, the body on
// every POSE_EVERY-th (as the server's extractor does: the body moves slowly and costs more), a brightness check
// now and then; each result drawn as the skeleton overlay, judged for the "no hand / half out / too dark" hint,
// and handed to whoever listens (the live letter recogniser, the privacy-mode recorder).

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { loadEngine } from "./engine.js";
import { skeletonOverlay } from "./overlay.js";
import { meanLuma, quality } from "./quality.js";
import "./texts.js";

export const POSE_EVERY = 3; // the server's SENAS_ML_POSE_EVERY default
const LUMA_EVERY = 5;
// The server checks a body frame with these points (nose, shoulders) and drops it below this visibility.
const BODY_REQUIRED = [0, 11, 12];
const MIN_BODY_VISIBILITY = 0.5;
// A body result older than this is not attached to a hand frame (the body is interpolated over ~3 frames).
const POSE_MAX_AGE_MS = 400;
// The server scores clips decoded at 15 frames per second (SENAS_ML_TARGET_FPS); recordings keep at most that.
export const TARGET_FPS = 15;

function handsOf(result) {
  const labels = result.handedness || result.handednesses || [];
  return (result.landmarks || []).map((points, i) => {
    const label = labels[i] && labels[i][0];
    return {
      landmarks: points.map((p) => [p.x, p.y, p.z]),
      side: label ? (label.categoryName === "Left" ? "left" : "right") : null,
      score: label ? label.score : 0,
    };
  });
}

function bodyOf(result) {
  const person = result.landmarks && result.landmarks[0];
  if (!person || person.length !== 33) return null;
  if (BODY_REQUIRED.some((i) => (person[i].visibility ?? 0) < MIN_BODY_VISIBILITY)) return null;
  return person.map((p) => [p.x, p.y, p.z]);
}

// The hand that is practised: the dominant one when both are seen, else the one there is.
export function mainHand(hands, dominant = "right") {
  return hands.find((hand) => hand.side === dominant) || hands[0] || null;
}

export function liveTracker(camera) {
  const video = camera.video;
  const overlay = skeletonOverlay();
  const hint = h("p", { class: "live-hint", role: "status", "aria-live": "polite", dataset: { testid: "live-hint" } }, t("live_loading"));
  const lumaCanvas = document.createElement("canvas");
  const listeners = new Set();
  let engine = null;
  let stopped = false;
  let running = false;
  let lastTime = -1;
  let lastStamp = 0;
  let count = 0;
  let luma = null;
  let body = null;
  let bodyAt = -Infinity;
  let verdict = null;
  let paused = false;

  camera.element.append(overlay.element);

  function schedule() {
    if (stopped) return;
    if (typeof video.requestVideoFrameCallback === "function") video.requestVideoFrameCallback(step);
    else requestAnimationFrame(step);
  }

  function step() {
    if (stopped) return;
    if (!paused && video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth && video.currentTime !== lastTime) {
      lastTime = video.currentTime;
      const stamp = Math.max(performance.now(), lastStamp + 1);
      lastStamp = stamp;
      try {
        analyse(stamp);
      } catch {
        // a frame the engine cannot read (the camera switching off): skip it
      }
    }
    schedule();
  }

  function analyse(stamp) {
    const hands = handsOf(engine.hands.detectForVideo(video, stamp));
    if (engine.pose && count % POSE_EVERY === 0) {
      const seen = bodyOf(engine.pose.detectForVideo(video, stamp));
      body = seen;
      bodyAt = seen ? stamp : -Infinity;
    }
    if (count % LUMA_EVERY === 0) luma = meanLuma(video, lumaCanvas);
    count += 1;
    const judged = quality({ hands, luma });
    overlay.draw(video, hands, judged);
    if (judged !== verdict) {
      verdict = judged;
      hint.textContent = t(`live_hint_${judged}`);
      hint.dataset.quality = judged;
      hint.className = `live-hint live-${judged}`;
    }
    const frame = { stamp, hands, body: stamp - bodyAt <= POSE_MAX_AGE_MS ? body : null, quality: judged };
    for (const listener of listeners) listener(frame);
  }

  // Resolves to {ok: true} once frames are being analysed, or {ok: false, reason}.
  async function start() {
    const outcome = await loadEngine();
    if (stopped) return { ok: false, reason: "stopped" };
    if (!outcome.ok) {
      hint.hidden = true;
      overlay.element.hidden = true;
      return outcome;
    }
    engine = outcome.engine;
    if (!running) {
      running = true;
      schedule();
    }
    return { ok: true, pose: Boolean(engine.pose) };
  }

  function stop() {
    stopped = true;
    listeners.clear();
    overlay.clear();
  }

  function listen(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  // The landmarks of the next `ms` milliseconds, at most TARGET_FPS frames a second, as the body of
  // POST /ml/sessions/{id}/landmarks: one entry per frame, null where no hand was seen.
  function record(ms, dominant) {
    return new Promise((resolve) => {
      const frames = [];
      const stamps = [];
      let first = null;
      const interval = 1000 / TARGET_FPS;
      const forget = listen((frame) => {
        if (first === null) first = frame.stamp;
        if (stamps.length && frame.stamp - stamps[stamps.length - 1] < interval * 0.8) return;
        stamps.push(frame.stamp);
        const hand = mainHand(frame.hands, dominant);
        frames.push(
          hand
            ? { landmarks: hand.landmarks, handedness: hand.side, ...(frame.body ? { pose: frame.body } : {}) }
            : null,
        );
        if (frame.stamp - first >= ms) finish();
      });
      const timer = setTimeout(finish, ms + 1500); // a camera that stops sending frames
      function finish() {
        forget();
        clearTimeout(timer);
        const span = stamps.length > 1 ? (stamps[stamps.length - 1] - stamps[0]) / 1000 : 0;
        const fps = span > 0 ? Math.min(120, (stamps.length - 1) / span) : TARGET_FPS;
        resolve({ frames, fps, width: video.videoWidth || 640, height: video.videoHeight || 480 });
      }
    });
  }

  // While MediaRecorder records a clip for the video path the engine rests: on a busy main thread the recorder's
  // frame timing goes irregular, and the server's decoder trusts the clip's frame rate.
  function pause(on) {
    paused = on;
    if (on) overlay.clear();
  }

  return { hint, overlay, video, start, stop, listen, record, pause, quality: () => verdict };
}
