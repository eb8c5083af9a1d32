// Whether the camera view is good enough to practise, judged on the device before recording: a hand must be
// seen, whole, in enough light. The thresholds are deliberately lenient — they warn, they never block.

// Mean brightness (0–255) below which the hand model starts losing hands in our fixture photos.
export const DARK_LUMA = 45;
// A landmark this close to the frame's edge (fraction of the frame) means part of the hand is out of view.
export const EDGE_MARGIN = 0.01;

export function handOutOfFrame(landmarks) {
  return landmarks.some(([x, y]) => x < EDGE_MARGIN || x > 1 - EDGE_MARGIN || y < EDGE_MARGIN || y > 1 - EDGE_MARGIN);
}

// "dark" | "no_hand" | "partial" | "ok"
export function quality({ hands, luma }) {
  if (luma !== null && luma < DARK_LUMA) return "dark";
  if (!hands.length) return "no_hand";
  if (hands.some((hand) => handOutOfFrame(hand.landmarks))) return "partial";
  return "ok";
}

// Mean luma of the frame, from a tiny copy (a canvas never added to the page).
export function meanLuma(video, canvas) {
  canvas.width = 32;
  canvas.height = 24;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(video, 0, 0, canvas.width, canvas.height);
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  let sum = 0;
  for (let i = 0; i < data.length; i += 4) sum += 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
  return sum / (data.length / 4);
}
