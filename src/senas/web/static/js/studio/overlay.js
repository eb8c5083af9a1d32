// What the recogniser saw, drawn over the video frame by frame: the hand's 21 points and bones (and the upper
// body where it was seen), so an author can tell a bad recording — hand out of frame, too dark, the wrong hand —
// and a learner can compare their attempt with the sign's reference. The part that needs fixing is highlighted.

import { api } from "../api.js";
import { append, h } from "../dom.js";
import { FINGERS as HAND_FINGERS, PALM } from "../hand.js";
import { t } from "../i18n.js";
import "./texts.js";

// Each finger drawn from the wrist, so that its whole length takes the highlight when its shape is what to fix.
const FINGERS = HAND_FINGERS.map((path) => (path[0] === 0 ? path : [0, ...path]));
const COLOURS = { left: "#0b5cad", right: "#1a6b36", body: "rgba(122, 75, 0, 0.8)", focus: "#d0021b" };

// The frame of `landmarks` nearest to `seconds`.
function frameAt(landmarks, seconds) {
  const frames = landmarks.frames;
  if (!frames.length) return null;
  let best = frames[0];
  for (const frame of frames) {
    if (Math.abs(frame.t - seconds) < Math.abs(best.t - seconds)) best = frame;
  }
  return best;
}

function line(ctx, points, indices, width, height) {
  ctx.beginPath();
  indices.forEach((index, i) => {
    const [x, y] = points[index];
    if (i === 0) ctx.moveTo(x * width, y * height);
    else ctx.lineTo(x * width, y * height);
  });
  ctx.stroke();
}

// Draws one frame's hands (and body) on the canvas; `focus` (handshape, orientation, location, movement) picks
// what is drawn in the highlight colour: the fingers, the palm, the wrist's place, or its path so far.
export function drawFrame(canvas, landmarks, frame, focus = null, trail = []) {
  const ctx = canvas.getContext("2d");
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  if (!frame) return;
  ctx.lineCap = "round";
  if (frame.body) {
    ctx.fillStyle = COLOURS.body;
    for (const [x, y] of frame.body) ctx.fillRect(x * width - 3, y * height - 3, 6, 6);
  }
  for (const hand of frame.hands) {
    const colour = COLOURS[hand.side] || COLOURS.right;
    ctx.lineWidth = 3;
    const whole = focus === "hand"; // the wrong hand: all of it in the highlight colour
    ctx.strokeStyle = focus === "handshape" || whole ? COLOURS.focus : colour;
    for (const finger of FINGERS) line(ctx, hand.points, finger, width, height);
    ctx.strokeStyle = focus === "orientation" || whole ? COLOURS.focus : colour;
    ctx.lineWidth = focus === "orientation" ? 5 : 3;
    line(ctx, hand.points, PALM, width, height);
    ctx.fillStyle = colour;
    for (const [x, y] of hand.points) ctx.fillRect(x * width - 2, y * height - 2, 4, 4);
    const [wx, wy] = hand.points[0];
    if (focus === "location") {
      ctx.strokeStyle = COLOURS.focus;
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.arc(wx * width, wy * height, Math.max(width, height) * 0.06, 0, Math.PI * 2);
      ctx.stroke();
    }
  }
  if (focus === "movement" && trail.length > 1) {
    ctx.strokeStyle = COLOURS.focus;
    ctx.lineWidth = 3;
    ctx.beginPath();
    trail.forEach(([x, y], i) => (i ? ctx.lineTo(x * width, y * height) : ctx.moveTo(x * width, y * height)));
    ctx.stroke();
  }
}

function wristTrail(landmarks, seconds) {
  return landmarks.frames.filter((f) => f.t <= seconds && f.hands.length).map((f) => f.hands[0].points[0]);
}

// A video with the landmarks drawn over it, following the video's own clock frame by frame.
export function landmarkVideo({ src, landmarks, label, focus = null, testid = "overlay" }) {
  const video = h("video", { src, muted: true, playsinline: true, loop: true, autoplay: true, controls: true, "aria-label": label });
  video.muted = true;
  const canvas = h("canvas", { class: "overlay-canvas", width: landmarks.width || 640, height: landmarks.height || 480, "aria-hidden": "true" });
  const box = h("div", { class: "overlay-box", dataset: { testid } }, video, canvas);
  let drawn = 0;
  const paint = () => {
    const seconds = video.currentTime;
    drawFrame(canvas, landmarks, frameAt(landmarks, seconds), focus, focus === "movement" ? wristTrail(landmarks, seconds) : []);
    drawn += 1;
    box.dataset.framesDrawn = String(drawn);
  };
  if (typeof video.requestVideoFrameCallback === "function") {
    const onFrame = () => {
      paint();
      if (box.isConnected || drawn === 0) video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  } else {
    video.addEventListener("timeupdate", paint);
  }
  video.addEventListener("loadeddata", () => {
    paint();
    // autoplay alone may not start a video inserted after the page loaded: ask once it has data
    if (video.paused) video.play().catch(() => {});
  });
  return box;
}

// The landmarks alone, animated on their own clock (a reference without a video at hand).
export function landmarkAnimation({ landmarks, label, focus = null, testid = "overlay-reference" }) {
  const canvas = h("canvas", { class: "overlay-canvas standalone", width: landmarks.width || 640, height: landmarks.height || 480, role: "img", "aria-label": label });
  const box = h("div", { class: "overlay-box", dataset: { testid } }, canvas);
  const span = landmarks.frames.length ? landmarks.frames[landmarks.frames.length - 1].t + 0.3 : 1;
  const started = performance.now();
  let drawn = 0;
  const tick = (now) => {
    const seconds = ((now - started) / 1000) % span;
    drawFrame(canvas, landmarks, frameAt(landmarks, seconds), focus, focus === "movement" ? wristTrail(landmarks, seconds) : []);
    drawn += 1;
    box.dataset.framesDrawn = String(drawn);
    if (box.isConnected || drawn < 2) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  return box;
}

// The learner's practice result, in pictures: their own recording with their hand drawn over it (in privacy mode,
// where no recording was made, their hand alone), beside the reference's hand, the part to fix highlighted in both.
// Empty (null) when there is nothing to draw.
export async function practiceOverlay(session, clip = null) {
  let overlay;
  try {
    overlay = await api(`/ml/sessions/${encodeURIComponent(session.session_id)}/overlay`);
  } catch {
    return null;
  }
  if (!overlay.attempt) return null;
  const focus = overlay.focus;
  const panels = [
    h(
      "figure",
      {},
      clip
        ? landmarkVideo({ src: URL.createObjectURL(clip), landmarks: overlay.attempt, label: t("overlay_yours"), focus, testid: "overlay-attempt" })
        : landmarkAnimation({ landmarks: overlay.attempt, label: t("overlay_yours"), focus, testid: "overlay-attempt" }),
      h("figcaption", {}, t("overlay_yours")),
    ),
  ];
  if (overlay.reference) {
    panels.push(
      h(
        "figure",
        {},
        landmarkAnimation({ landmarks: overlay.reference, label: t("overlay_reference"), focus, testid: "overlay-reference" }),
        h("figcaption", {}, t("overlay_reference")),
      ),
    );
  }
  return h(
    "section",
    { class: "practice-overlay", dataset: { testid: "practice-overlay" } },
    h("h3", {}, t("overlay_title")),
    focus ? h("p", { class: "hint", dataset: { testid: "overlay-focus" } }, t("overlay_focus", { part: t(`param_${focus}`) })) : null,
    append(h("div", { class: "overlay-pair" }), panels),
  );
}
