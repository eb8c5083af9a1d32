// Camera practice of one sign: self-view (mirrored for display only — the recording is the camera's own,
// unmirrored image, which is what the scorer expects), a few seconds recorded with MediaRecorder, the upload
// through the content service's signed URL, the session's live status, then the score with the per-parameter
// feedback and what to fix; retry as often as wanted.
//
// Flow: POST /ml/sessions {sign_id, mode: "video"} → POST /content/practice-uploads {session_id, content_type,
// size} → PUT the video to the signed URL → POST …/confirm → poll GET /ml/sessions/{id} until scored | failed.
//
// selfViewCamera() is the camera itself (the mirrored self-view, turning on and off, still photos), shared with
// the fingerspelling exercise, which photographs each letter.

import { api, ApiError, errorText } from "./api.js";
import { append, clear, h, sleep } from "./dom.js";
import { lang, t } from "./i18n.js";
import { state } from "./state.js";
import { practiceOverlay } from "./studio/overlay.js"; /* studio */
/* --- live landmarks --- */
import { livePractice } from "./live/practice.js";
/* --- end live landmarks --- */

const RECORD_MS = 3000;
const COUNTDOWN_S = 3;
const POLL_MS = 700;
const POLL_LIMIT_MS = 120000;
const TYPES = ["video/webm;codecs=vp8", "video/webm", "video/mp4"];
const PARAMETERS = ["handshape", "orientation", "location", "movement", "hand"];

// "3… 2… 1…" in the status line before a recording; false when the camera was stopped meanwhile.
export async function countdown(say, isStopped, seconds = COUNTDOWN_S) {
  for (let n = seconds; n > 0; n -= 1) {
    say(t("camera_countdown", { n }));
    await sleep(1000);
    if (isStopped()) return false;
  }
  return true;
}

function recorderType() {
  if (typeof MediaRecorder === "undefined") return null;
  return TYPES.find((type) => MediaRecorder.isTypeSupported(type)) || "";
}

// The user-facing camera shown mirrored, like a mirror; what it captures (video or stills) is the camera's own,
// unmirrored image, which is what the recognisers expect. turnOn() resolves to {ok: true} or {ok: false, reason}
// (no camera API, permission denied, no device…); it never throws.
export function selfViewCamera() {
  let stream = null;
  let stopped = false;
  const video = h("video", {
    class: "selfview",
    autoplay: true,
    muted: true,
    playsinline: true,
    "aria-label": t("camera_selfview"),
  });
  video.muted = true;
  video.hidden = true;
  const placeholder = h("div", { class: "selfview-off" }, t("camera_off"));
  const element = h("div", { class: "selfview-box" }, placeholder, video);

  function stop() {
    stopped = true;
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
  }

  async function turnOn() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return { ok: false, reason: "unsupported" };
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" },
        audio: false,
      });
    } catch (error) {
      return { ok: false, reason: error && error.name ? error.name : String(error) };
    }
    if (stopped) {
      stop();
      return { ok: false, reason: "stopped" };
    }
    video.srcObject = stream;
    video.hidden = false;
    placeholder.hidden = true;
    return { ok: true };
  }

  // One frame as an image Blob, drawn on a canvas that is never added to the page (so the CSP needs nothing).
  async function still(type = "image/jpeg", quality = 0.92) {
    if (!stream) throw new Error("the camera is off");
    if (video.paused) await video.play().catch(() => {});
    if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || !video.videoWidth) {
      await new Promise((resolve) => video.addEventListener("loadeddata", resolve, { once: true }));
    }
    // Wait for a frame actually presented: until then the element can report data yet draw black (Chromium).
    if (typeof video.requestVideoFrameCallback === "function") {
      await Promise.race([new Promise((resolve) => video.requestVideoFrameCallback(() => resolve())), sleep(1000)]);
    }
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, type, quality));
    if (!blob) throw new Error("the frame could not be encoded");
    return blob;
  }

  return { element, video, turnOn, stop, still, stream: () => stream };
}

export function cameraPractice({ signId, lessonId = null, onResult = () => {} }) {
  let stream = null;
  let stopped = false;
  let recorder = null;

  const camera = selfViewCamera();
  const viewBox = camera.element;
  /* --- live landmarks --- the overlay, the quality hint and privacy mode (landmarks instead of video) */
  const live = livePractice(camera);
  /* --- end live landmarks --- */
  const status = h("p", { class: "camera-status", role: "status", "aria-live": "polite", dataset: { testid: "camera-status" } });
  const result = h("div", { class: "camera-result", dataset: { testid: "camera-result" } });
  const enable = h("button", { type: "button", class: "button" }, t("camera_enable"));
  const record = h("button", { type: "button", class: "button primary", disabled: true }, t("camera_record"));
  const stopButton = h("button", { type: "button", class: "button", hidden: true }, t("camera_stop"));
  const retry = h("button", { type: "button", class: "button", hidden: true }, t("camera_retry"));

  const say = (text) => {
    status.textContent = text;
  };

  async function turnOn() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || recorderType() === null) {
      say(t("camera_unsupported"));
      return false;
    }
    const outcome = await camera.turnOn();
    if (!outcome.ok) {
      if (!stopped) say(t("camera_denied", { reason: outcome.reason }));
      return false;
    }
    if (stopped) {
      stop();
      return false;
    }
    stream = camera.stream();
    enable.hidden = true;
    /* --- live landmarks --- decide the path before the first recording */
    await live.start();
    if (stopped) return false;
    /* --- end live landmarks --- */
    record.disabled = false;
    say(t("camera_ready"));
    return true;
  }

  function recordClip() {
    return new Promise((resolve, reject) => {
      const type = recorderType();
      const chunks = [];
      try {
        recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
      } catch (error) {
        reject(error);
        return;
      }
      recorder.addEventListener("dataavailable", (event) => {
        if (event.data && event.data.size > 0) chunks.push(event.data);
      });
      recorder.addEventListener("stop", () => {
        const base = (recorder.mimeType || type || "video/webm").split(";")[0];
        recorder = null;
        resolve(new Blob(chunks, { type: base }));
      });
      recorder.addEventListener("error", (event) => reject(event.error || new Error("recorder error")));
      recorder.start(250);
      say(t("camera_recording"));
      stopButton.hidden = false;
      setTimeout(() => {
        if (recorder && recorder.state === "recording") recorder.stop();
      }, RECORD_MS);
    });
  }

  async function upload(clip) {
    const hand = (state.profile && state.profile.dominant_hand) || "right";
    const body = { sign_id: signId, mode: "video", dominant_hand: hand };
    if (lessonId) body.lesson_id = lessonId;
    const session = await api("/ml/sessions", { method: "POST", body });
    say(t("camera_uploading"));
    const ticket = await api("/content/practice-uploads", {
      method: "POST",
      body: { session_id: session.session_id, content_type: clip.type, size: clip.size },
    });
    const put = await fetch(ticket.upload.url, {
      method: ticket.upload.method || "PUT",
      headers: ticket.upload.headers || { "Content-Type": clip.type },
      body: clip,
    });
    if (!put.ok) {
      let detail = t("error_generic");
      try {
        detail = (await put.json()).detail || detail;
      } catch {
        // not JSON: keep the generic message
      }
      throw new ApiError(put.status, "upload_failed", detail);
    }
    await api(`/content/practice-uploads/${encodeURIComponent(ticket.upload_id)}/confirm`, { method: "POST" });
    return session.session_id;
  }

  async function follow(sessionId) {
    const started = Date.now();
    for (;;) {
      if (stopped) return null;
      const session = await api(`/ml/sessions/${encodeURIComponent(sessionId)}`);
      say(t(`status_${session.status}`));
      if (session.status === "scored" || session.status === "failed") return session;
      if (Date.now() - started > POLL_LIMIT_MS) throw new ApiError(504, "timeout", t("camera_timeout"));
      await sleep(POLL_MS);
    }
  }

  async function attempt() {
    record.disabled = true;
    retry.hidden = true;
    clear(result);
    try {
      if (!(await countdown(say, () => stopped))) return;
      let sessionId;
      let clip = null; // the recording, when one was made (not in privacy mode)
      /* --- live landmarks --- */
      if (live.mode() === "landmarks") {
        say(t("camera_recording"));
        const hand = (state.profile && state.profile.dominant_hand) || "right";
        const sending = live.attempt({ signId, lessonId, dominantHand: hand, ms: RECORD_MS });
        setTimeout(() => !stopped && say(t("live_sending")), RECORD_MS);
        sessionId = await sending;
        if (stopped) return;
      } else {
        /* --- end live landmarks --- */
        live.rest(true); /* --- live landmarks --- */
        clip = await recordClip().finally(() => live.rest(false)); /* --- live landmarks: rest --- */
        stopButton.hidden = true;
        if (stopped) return;
        sessionId = await upload(clip);
      } /* --- live landmarks --- */
      const session = await follow(sessionId);
      if (!session) return;
      showResult(session);
      /* --- studio: the result's overlay (their recording with the hand drawn, beside the reference's) --- */
      if (session.status === "scored") {
        const overlay = await practiceOverlay(session, clip);
        if (overlay && !stopped) append(result, overlay);
      }
      /* --- end studio --- */
      onResult(session);
    } catch (error) {
      stopButton.hidden = true;
      append(result, h("p", { class: "error", role: "alert" }, errorText(error)));
      say("");
    } finally {
      if (!stopped) {
        retry.hidden = false;
        record.hidden = true;
        retry.focus();
      }
    }
  }

  function showResult(session) {
    clear(result);
    if (session.status === "failed") {
      const reason = lang() === "en" ? session.reason_en || session.reason_es : session.reason_es || session.reason_en;
      append(result, 
        h(
          "div",
          { class: "result-failed", role: "alert", dataset: { testid: "practice-failure" } },
          h("p", { class: "result-title" }, t("status_failed")),
          h("p", {}, reason || t("error_generic")),
        ),
      );
      return;
    }
    const score = Math.round(session.score ?? 0);
    const feedback = [...(session.feedback || [])].sort(
      (a, b) => PARAMETERS.indexOf(a.parameter) - PARAMETERS.indexOf(b.parameter),
    );
    const toFix = feedback.filter((item) => item.status !== "ok");
    const message = (item) => (lang() === "en" ? item.message_en : item.message_es);
    append(result, 
      h(
        "div",
        { class: `result-scored ${session.passed ? "passed" : "not-passed"}`, dataset: { testid: "practice-score" } },
        h(
          "p",
          { class: "score" },
          h("span", { class: "score-label" }, `${t("score")}: `),
          h("strong", {}, t("score_of", { score })),
        ),
        h("meter", { min: 0, max: 100, value: score, low: 50, high: 80, optimum: 100, "aria-label": t("score") }),
        h("p", { class: "verdict" }, session.passed ? t("passed") : t("not_passed")),
        h(
          "ul",
          { class: "feedback", dataset: { testid: "practice-feedback" } },
          feedback.map((item) =>
            h(
              "li",
              { class: `fb fb-${item.status}` },
              h("span", { class: "fb-param" }, t(`param_${item.parameter}`)),
              h("span", { class: "fb-status" }, t(`fb_${item.status}`)),
              item.score === null || item.score === undefined ? null : h("span", { class: "fb-score" }, `${Math.round(item.score)}/100`),
              h("span", { class: "fb-message" }, message(item)),
            ),
          ),
        ),
        h("h3", {}, t("to_fix")),
        toFix.length
          ? h("ul", { class: "to-fix" }, toFix.map((item) => h("li", {}, `${t(`param_${item.parameter}`)}: ${message(item)}`)))
          : h("p", {}, t("all_good")),
      ),
    );
  }

  function stop() {
    stopped = true;
    if (recorder && recorder.state === "recording") recorder.stop();
    camera.stop();
    live.stop(); /* --- live landmarks --- */
    stream = null;
  }

  enable.addEventListener("click", () => turnOn());
  record.addEventListener("click", () => attempt());
  stopButton.addEventListener("click", () => {
    if (recorder && recorder.state === "recording") recorder.stop();
  });
  retry.addEventListener("click", () => {
    record.hidden = false;
    attempt();
  });

  const element = h(
    "section",
    { class: "camera card", "aria-label": t("camera_title") },
    h("h2", {}, t("camera_title")),
    h("p", { class: "hint" }, t("camera_lead")),
    viewBox,
    live.element, /* --- live landmarks --- */
    h("div", { class: "camera-buttons" }, enable, record, stopButton, retry),
    status,
    result,
  );
  return { element, stop, turnOn };
}
