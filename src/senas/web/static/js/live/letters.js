// Live fingerspelling: the letter in front of the camera recognised continuously from the landmarks computed on
// the device (the landmark form of POST /ml/fingerspelling/recognise — no photo leaves the device). Requests are
// spaced (one at a time, at least REQUEST_GAP_MS apart, only while a whole hand is seen); the expected letter
// counts once it has been recognised, surely and clearly, for HOLD_MS without a contrary answer in between.
// "Not sure" is shown as such, never as a letter.

import { api } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { mainHand } from "./tracker.js";
import "./texts.js";

const REQUEST_GAP_MS = 250;
export const HOLD_MS = 700;
// As the still-photo path (lesson.js MIN_LETTER_CONFIDENCE): below it the top guesses are too close to call.
const MIN_CONFIDENCE = 0.6;

function same(a, b) {
  return String(a).toLocaleUpperCase("es") === String(b).toLocaleUpperCase("es");
}

// One letter: resolves through onSettled(recognisedLetter) once it is held; stop() ends listening.
export function liveLetterStep({ tracker, letter, dominantHand = "right", onSettled }) {
  const status = h("p", { class: "fs-live-status", role: "status", "aria-live": "polite", dataset: { testid: "fingerspell-live", state: "waiting" } }, t("fs_live_waiting"));
  const meter = h("progress", { class: "fs-live-hold", max: HOLD_MS, value: 0, "aria-hidden": "true" });
  let busy = false;
  let lastRequest = 0;
  let heldSince = null;
  let done = false;

  function show(state, text, held = 0) {
    if (status.dataset.state !== state || status.textContent !== text) {
      status.dataset.state = state;
      status.textContent = text;
    }
    meter.value = Math.min(HOLD_MS, held);
  }

  async function recognise(hand, width, height) {
    busy = true;
    lastRequest = performance.now();
    let answer = null;
    try {
      answer = await api("/ml/fingerspelling/recognise", {
        method: "POST",
        body: { landmarks: hand.landmarks, ...(hand.side ? { handedness: hand.side } : {}), width, height },
      });
    } catch {
      answer = null; // a dropped request: the next frame asks again
    } finally {
      busy = false;
    }
    if (done || !answer) return;
    const now = performance.now();
    if (answer.sure === false) {
      heldSince = null;
      show("not_sure", t("fs_live_not_sure"));
      return;
    }
    if (!same(answer.letter, letter) || answer.confidence < MIN_CONFIDENCE) {
      heldSince = null;
      show("other", same(answer.letter, letter) ? t("fs_live_not_sure") : t("fs_live_seen", { seen: answer.letter, letter }));
      return;
    }
    if (heldSince === null) heldSince = lastRequest;
    const held = now - heldSince;
    show("holding", t("fs_live_holding", { letter }), held);
    if (held >= HOLD_MS) {
      done = true;
      forget();
      onSettled(answer.letter);
    }
  }

  const forget = tracker.listen((frame) => {
    if (done) return;
    const hand = mainHand(frame.hands, dominantHand);
    if (!hand || frame.quality === "partial" || frame.quality === "dark") {
      heldSince = null;
      show("waiting", hand ? t(`live_hint_${frame.quality}`) : t("fs_live_waiting"));
      return;
    }
    if (busy || performance.now() - lastRequest < REQUEST_GAP_MS) return;
    const video = tracker.video;
    recognise(hand, video.videoWidth || 640, video.videoHeight || 480);
  });

  function stop() {
    done = true;
    forget();
  }

  return { element: h("div", { class: "fs-live" }, status, meter), stop };
}
