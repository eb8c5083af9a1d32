// One sign in the studio: its words (gloss, meanings, category, handshape, notes), its video — uploaded as a file
// or recorded here (countdown, 3–5 s, retake) — sent with a progress bar, then followed live until its template
// is ready or failed with the reason; what the system saw drawn over the video; "try it yourself" against the
// new template; the pass threshold calibrated on demand; publish / unpublish.

import { api, ApiError, errorText } from "../api.js";
import { onLeave } from "../app.js";
import { cameraPractice, countdown, selfViewCamera } from "../camera.js";
import { append, clear, h, sleep } from "../dom.js";
import { lang, t } from "../i18n.js";
import { badge, errorBox, field, refuseUnlessAuthor, showError, templateBadge } from "./common.js";
import { confirmDialog } from "./dialog.js";
import { landmarkVideo } from "./overlay.js";

const COUNTDOWN_S = 3;
const RECORD_S = 4; // within the 3–5 s a sign takes
const POLL_MS = 800;
const POLL_LIMIT_MS = 180000;
const TYPES = ["video/webm;codecs=vp8", "video/webm", "video/mp4"];

function recorderType() {
  if (typeof MediaRecorder === "undefined") return null;
  return TYPES.find((type) => MediaRecorder.isTypeSupported(type)) || "";
}

// PUT to the signed URL with XMLHttpRequest: fetch() cannot report upload progress.
function putWithProgress(upload, blob, progress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(upload.method || "PUT", upload.url);
    for (const [name, value] of Object.entries(upload.headers || { "Content-Type": blob.type })) request.setRequestHeader(name, value);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
    });
    request.addEventListener("load", () => {
      if (request.status >= 200 && request.status < 300) {
        progress.value = 100;
        resolve();
      } else {
        let detail = t("error_generic");
        try {
          detail = JSON.parse(request.responseText).detail || detail;
        } catch {
          // not JSON: keep the generic message
        }
        reject(new ApiError(request.status, "upload_failed", detail));
      }
    });
    request.addEventListener("error", () => reject(new ApiError(0, "network", t("error_network"))));
    request.send(blob);
  });
}

export async function render(page, { params }) {
  if (refuseUnlessAuthor(page)) return;
  const signId = params[0];
  let sign = await api(`/content/author/signs/${encodeURIComponent(signId)}`);
  let stopped = false;
  const cleanups = [];
  onLeave(() => {
    stopped = true;
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  const heading = h("h1", {}, `${t("studio_sign")}: ${sign.gloss}`);
  const statusLine = h("p", { class: "studio-row", dataset: { testid: "sign-status" } });
  const drawStatus = () => append(clear(statusLine), badge(sign.status), templateBadge(sign.template_status));
  drawStatus();

  // -- the words --
  const [glossField, gloss] = field(t("studio_gloss"), { value: sign.gloss, required: true, maxlength: 120 });
  const [esField, es] = field(t("studio_meaning_es"), { value: sign.meaning_es, required: true, maxlength: 300 });
  const [enField, en] = field(t("studio_meaning_en"), { value: sign.meaning_en, required: true, maxlength: 300 });
  const [categoryField, category] = field(t("studio_category"), { value: sign.category, maxlength: 80 });
  const [handshapeField, handshape] = field(t("studio_handshape"), { value: sign.handshape, maxlength: 80 });
  const [notesField, notes] = field(t("studio_notes"), { rows: 2, maxlength: 5000 }, "textarea");
  notes.value = sign.description_es || "";
  const wordsProblem = errorBox();
  const saved = h("p", { role: "status" });
  const words = h("form", { class: "card" }, h("h2", {}, t("studio_sign_words")), glossField, esField, enField, categoryField, handshapeField, notesField, h("button", { type: "submit", class: "button" }, t("studio_save")), saved, wordsProblem);
  words.addEventListener("submit", async (event) => {
    event.preventDefault();
    wordsProblem.hidden = true;
    try {
      sign = {
        ...sign,
        ...(await api(`/content/author/signs/${encodeURIComponent(signId)}`, {
          method: "PATCH",
          body: { gloss: gloss.value.trim(), meaning_es: es.value.trim(), meaning_en: en.value.trim(), category: category.value.trim(), handshape: handshape.value.trim(), description_es: notes.value.trim(), description_en: notes.value.trim() },
        })),
      };
      saved.textContent = t("studio_saved");
    } catch (error) {
      showError(wordsProblem, error);
    }
  });

  // -- the video: a file or a recording --
  const videoStatus = h("p", { class: "camera-status", role: "status", "aria-live": "polite", dataset: { testid: "video-status" } });
  const progress = h("progress", { max: 100, value: 0, hidden: true, "aria-label": t("studio_upload_progress"), dataset: { testid: "upload-progress" } });
  const videoProblem = errorBox();
  const seen = h("div", { class: "studio-seen", dataset: { testid: "studio-seen" } });
  const fileInput = h("input", { type: "file", id: "sign-video-file", accept: "video/mp4,video/webm" });
  const sendFile = h("button", { type: "button", class: "button" }, t("studio_upload_file"));
  const camera = selfViewCamera();
  cleanups.push(() => camera.stop());
  const cameraOn = h("button", { type: "button", class: "button", dataset: { testid: "camera-on" } }, t("camera_enable"));
  const recordButton = h("button", { type: "button", class: "button primary", disabled: true, dataset: { testid: "record" } }, t("studio_record"));
  const retake = h("button", { type: "button", class: "button", hidden: true, dataset: { testid: "retake" } }, t("studio_retake"));
  const useIt = h("button", { type: "button", class: "button primary", hidden: true, dataset: { testid: "use-recording" } }, t("studio_use_recording"));
  const playback = h("div", { class: "studio-playback" });
  let recorded = null;

  const say = (text) => {
    videoStatus.textContent = text;
  };

  cameraOn.addEventListener("click", async () => {
    if (recorderType() === null) {
      say(t("camera_unsupported"));
      return;
    }
    const outcome = await camera.turnOn();
    if (!outcome.ok) {
      say(t("camera_denied", { reason: outcome.reason }));
      return;
    }
    cameraOn.hidden = true;
    recordButton.disabled = false;
    say(t("camera_ready"));
    recordButton.focus();
  });

  function recordClip() {
    return new Promise((resolve, reject) => {
      const type = recorderType();
      const chunks = [];
      let recorder;
      try {
        recorder = type ? new MediaRecorder(camera.stream(), { mimeType: type }) : new MediaRecorder(camera.stream());
      } catch (error) {
        reject(error);
        return;
      }
      recorder.addEventListener("dataavailable", (event) => {
        if (event.data && event.data.size > 0) chunks.push(event.data);
      });
      recorder.addEventListener("stop", () => resolve(new Blob(chunks, { type: (recorder.mimeType || type || "video/webm").split(";")[0] })));
      recorder.addEventListener("error", (event) => reject(event.error || new Error("recorder error")));
      recorder.start(250);
      cleanups.push(() => recorder.state === "recording" && recorder.stop());
      setTimeout(() => recorder.state === "recording" && recorder.stop(), RECORD_S * 1000);
    });
  }

  recordButton.addEventListener("click", async () => {
    recordButton.disabled = true;
    retake.hidden = true;
    useIt.hidden = true;
    clear(playback);
    try {
      if (!(await countdown(say, () => stopped, COUNTDOWN_S))) return;
      say(t("studio_recording", { seconds: RECORD_S }));
      recorded = await recordClip();
      if (stopped) return;
      const video = h("video", { src: URL.createObjectURL(recorded), controls: true, muted: true, loop: true, autoplay: true, playsinline: true, "aria-label": t("studio_your_recording") });
      video.muted = true;
      append(playback, video);
      say(t("studio_recorded"));
      retake.hidden = false;
      useIt.hidden = false;
      recordButton.hidden = true;
      useIt.focus();
    } catch (error) {
      say(errorText(error));
      recordButton.disabled = false;
    }
  });
  retake.addEventListener("click", () => {
    recordButton.hidden = false;
    recordButton.disabled = false;
    recordButton.click();
  });
  useIt.addEventListener("click", () => {
    if (recorded) sendVideo(recorded, `${sign.slug}.webm`);
  });
  sendFile.addEventListener("click", () => {
    const chosen = fileInput.files && fileInput.files[0];
    if (!chosen) {
      say(t("studio_choose_file"));
      return;
    }
    sendVideo(chosen, chosen.name);
  });

  async function sendVideo(blob, filename) {
    videoProblem.hidden = true;
    useIt.hidden = true;
    retake.hidden = true;
    progress.hidden = false;
    progress.value = 0;
    clear(seen);
    try {
      say(t("studio_uploading"));
      const ticket = await api("/content/author/media/uploads", {
        method: "POST",
        body: { filename, content_type: blob.type || "video/webm", size: blob.size, purpose: "reference", sign_id: signId },
      });
      await putWithProgress(ticket.upload, blob, progress);
      await api(`/content/author/media/${encodeURIComponent(ticket.asset_id)}/confirm`, { method: "POST" });
      await follow(ticket.asset_id);
    } catch (error) {
      showError(videoProblem, error);
      say("");
      retake.hidden = !recorded;
    }
  }

  // Until the template is ready or failed (with the reason the ML service gave).
  async function follow(assetId) {
    const started = Date.now();
    while (!stopped) {
      const asset = await api(`/content/author/media/${encodeURIComponent(assetId)}`);
      sign = { ...sign, ...(await api(`/content/author/signs/${encodeURIComponent(signId)}`)) };
      drawStatus();
      if (asset.state === "failed" || sign.template_status === "failed") {
        const reason = lang() === "en" ? asset.failure_reason_en || asset.failure_reason_es : asset.failure_reason_es || asset.failure_reason_en;
        say(t("studio_template_failed_reason", { reason: reason || t("error_generic") }));
        retake.hidden = !recorded;
        return;
      }
      if (sign.template_status === "ready" && asset.state === "processed") {
        say(t("studio_template_ready_now"));
        await showSeen();
        return;
      }
      say(asset.state === "uploaded" ? t("studio_processing") : t("studio_uploading"));
      if (Date.now() - started > POLL_LIMIT_MS) throw new ApiError(504, "timeout", t("camera_timeout"));
      await sleep(POLL_MS);
    }
  }

  // The reference video with what the system saw drawn over it.
  async function showSeen() {
    clear(seen);
    if (!sign.reference_asset_id) return;
    try {
      const [landmarks, preview] = await Promise.all([
        api(`/ml/author/references/${encodeURIComponent(sign.reference_asset_id)}/landmarks`),
        api(`/content/signs/${encodeURIComponent(signId)}?preview=true`),
      ]);
      if (!preview.media || !preview.media.content_type.startsWith("video/")) return;
      const share = landmarks.frames_total ? Math.round((100 * landmarks.frames_with_hand) / landmarks.frames_total) : 0;
      append(
        seen,
        h("h3", {}, t("studio_seen_title")),
        h("p", { class: "hint", dataset: { testid: "seen-summary" } }, t("studio_seen_summary", { share })),
        share < 60 ? h("p", { class: "error", role: "alert" }, t("studio_seen_warning")) : null,
        landmarkVideo({ src: preview.media.url, landmarks, label: t("studio_seen_title"), testid: "reference-overlay" }),
      );
    } catch (error) {
      append(seen, h("p", { class: "error" }, errorText(error)));
    }
  }

  // -- try it yourself, calibrate, publish --
  const tryBox = h("div", { class: "studio-try" });
  const tryButton = h("button", { type: "button", class: "button", dataset: { testid: "try-it" } }, t("studio_try"));
  tryButton.addEventListener("click", () => {
    if (sign.template_status !== "ready") {
      append(clear(tryBox), h("p", { class: "error" }, t("studio_try_not_ready")));
      return;
    }
    tryButton.hidden = true;
    camera.stop();
    const practice = cameraPractice({ signId });
    cleanups.push(() => practice.stop());
    append(clear(tryBox), practice.element);
  });
  const calibrateButton = h("button", { type: "button", class: "button", dataset: { testid: "calibrate" } }, t("studio_calibrate"));
  const calibration = h("p", { role: "status", dataset: { testid: "calibration" } });
  calibrateButton.addEventListener("click", async () => {
    calibrateButton.disabled = true;
    calibration.textContent = t("studio_calibrating");
    try {
      const figure = await api(`/ml/author/signs/${encodeURIComponent(signId)}/calibrate`, { method: "POST" });
      calibration.textContent = t("studio_calibrated", {
        before: figure.threshold_before,
        threshold: figure.threshold,
        genuine: Math.round(figure.genuine_pass_rate * 100),
        impostor: Math.round(figure.impostor_pass_rate * 100),
      });
    } catch (error) {
      calibration.textContent = errorText(error);
    } finally {
      calibrateButton.disabled = false;
    }
  });
  const publishProblem = errorBox();
  const publishButton = h("button", { type: "button", class: "button primary", dataset: { testid: "publish-sign" } });
  const drawPublish = () => {
    publishButton.textContent = sign.status === "published" ? t("studio_unpublish") : t("studio_publish");
  };
  drawPublish();
  publishButton.addEventListener("click", async () => {
    publishProblem.hidden = true;
    const publishing = sign.status !== "published";
    const missing = publishing && (!sign.reference_asset_id || sign.template_status !== "ready");
    const ok = await confirmDialog({
      title: publishing ? t("studio_publish_title", { name: sign.gloss }) : t("studio_unpublish_title", { name: sign.gloss }),
      body: [h("p", {}, missing ? t("studio_sign_not_ready") : publishing ? t("studio_check_ok") : t("studio_unpublish_lead"))],
      confirmLabel: publishing ? t("studio_publish") : t("studio_unpublish"),
      allowConfirm: !missing,
    });
    if (!ok) return;
    try {
      const changed = await api(`/content/author/signs/${encodeURIComponent(signId)}/${publishing ? "publish" : "unpublish"}`, { method: "POST" });
      sign = { ...sign, status: changed.status };
      drawStatus();
      drawPublish();
    } catch (error) {
      showError(publishProblem, error);
    }
  });

  append(
    page,
    heading,
    statusLine,
    h("p", {}, h("a", { href: "#/studio" }, t("studio_back"))),
    sign.may_change ? null : h("p", { class: "hint" }, t("studio_read_only")),
    words,
    h(
      "section",
      { class: "card", "aria-labelledby": "sign-video-heading" },
      h("h2", { id: "sign-video-heading" }, t("studio_sign_video")),
      h("p", { class: "hint" }, t("studio_sign_video_lead")),
      h("p", { class: "field" }, h("label", { for: "sign-video-file" }, t("studio_video_file")), fileInput),
      h("p", {}, sendFile),
      camera.element,
      h("div", { class: "camera-buttons" }, cameraOn, recordButton, retake, useIt),
      playback,
      progress,
      videoStatus,
      videoProblem,
      seen,
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "sign-try-heading" },
      h("h2", { id: "sign-try-heading" }, t("studio_try_title")),
      h("p", { class: "hint" }, t("studio_try_lead")),
      h("p", {}, tryButton),
      tryBox,
      h("p", {}, calibrateButton),
      calibration,
    ),
    h("p", { class: "actions" }, publishButton),
    publishProblem,
  );
  if (sign.template_status === "ready") showSeen();
  else if (sign.template_status === "pending" && sign.reference_asset_id) follow(sign.reference_asset_id).catch((error) => showError(videoProblem, error));
}
