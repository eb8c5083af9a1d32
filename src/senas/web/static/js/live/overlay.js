// The hand skeleton drawn over the self-view. The canvas covers the self-view box and is mirrored by CSS exactly
// as the video is; the landmarks (computed on the camera's unmirrored frame) are placed as the video's
// `object-fit: cover` places the frame (scaled to fill the box, centred, the overflow cropped), so the skeleton
// stays on the hand whatever the camera's aspect ratio.

import { h } from "../dom.js";
import { BONES } from "../hand.js";
import { t } from "../i18n.js";

const COLOURS = { ok: "#2ecc71", partial: "#f1c40f", dark: "#f1c40f", no_hand: "#f1c40f" };

export function skeletonOverlay() {
  const canvas = h("canvas", {
    class: "live-overlay",
    role: "img",
    "aria-label": t("live_overlay_label"),
    dataset: { testid: "live-overlay", hands: "0" },
  });

  function draw(video, hands, verdict) {
    const frameWidth = video.videoWidth;
    const frameHeight = video.videoHeight;
    const width = Math.round(canvas.clientWidth) || frameWidth;
    const height = Math.round(canvas.clientHeight) || frameHeight;
    if (!frameWidth || !frameHeight || !width || !height) return;
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    const scale = Math.max(width / frameWidth, height / frameHeight);
    const left = (width - frameWidth * scale) / 2;
    const top = (height - frameHeight * scale) / 2;
    const context = canvas.getContext("2d");
    context.clearRect(0, 0, width, height);
    context.lineWidth = Math.max(2, width / 160);
    context.strokeStyle = COLOURS[verdict] || COLOURS.ok;
    context.fillStyle = "#ffffff";
    for (const hand of hands) {
      const points = hand.landmarks.map(([x, y]) => [left + x * frameWidth * scale, top + y * frameHeight * scale]);
      context.beginPath();
      for (const [a, b] of BONES) {
        context.moveTo(points[a][0], points[a][1]);
        context.lineTo(points[b][0], points[b][1]);
      }
      context.stroke();
      for (const [x, y] of points) {
        context.beginPath();
        context.arc(x, y, context.lineWidth * 1.2, 0, 2 * Math.PI);
        context.fill();
      }
    }
    canvas.dataset.hands = String(hands.length);
  }

  function clearAll() {
    const context = canvas.getContext("2d");
    context.clearRect(0, 0, canvas.width, canvas.height);
    canvas.dataset.hands = "0";
  }

  return { element: canvas, draw, clear: clearAll };
}
