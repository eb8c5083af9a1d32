// A sign's media with its controls. Real recordings are <video> (speed 0.5× / 0.75× / 1×, loop, mirror, play);
// the demo course's generated SVG animations are <img> (they animate by themselves, so only mirror applies).
// Every sign carries its text — gloss and meaning — as alt text and as a visible caption, and the demo notice
// the content gives ("demo — generated animation") whenever the media is not a real signer.

import { append, h, uid } from "./dom.js";
import { pick, t } from "./i18n.js";

const SPEEDS = [0.5, 0.75, 1];

// sign: {gloss, meaning_es, meaning_en, media}. options.caption=false hides the text (exercises that ask for
// it); options.alt overrides the accessible name for the same reason.
export function signMedia(sign, options = {}) {
  const { caption = true, alt, controls = true, compact = false } = options;
  const media = sign.media;
  const name = alt || t("media_alt", { gloss: sign.gloss, meaning: pick(sign, "meaning") });
  const figure = h("figure", { class: `sign-media${compact ? " compact" : ""}` });
  if (!media) {
    append(figure, h("div", { class: "media-missing" }, t("media_none")));
  } else if (media.content_type.startsWith("video/")) {
    const video = h("video", {
      src: media.url,
      muted: true,
      playsinline: true,
      autoplay: true,
      loop: true,
      preload: "metadata",
      "aria-label": name,
      class: "media-frame",
    });
    video.muted = true;
    append(figure, h("div", { class: "media-box" }, video));
    if (controls) append(figure, videoControls(video, figure));
  } else {
    const img = h("img", { src: media.url, alt: name, class: "media-frame", decoding: "async" });
    append(figure, h("div", { class: "media-box" }, img));
    if (controls) append(figure, imageControls(figure));
  }
  const notice = media && media.demo ? pick(media, "notice") : "";
  if (caption || notice) {
    append(figure, 
      h(
        "figcaption",
        {},
        caption ? h("span", { class: "gloss" }, sign.gloss) : null,
        caption ? h("span", { class: "meaning" }, pick(sign, "meaning")) : null,
        notice ? h("span", { class: "demo-label" }, notice) : null,
      ),
    );
  }
  return figure;
}

// The media alone, for a choice button: the button's label names it (the sign's text would be the answer).
export function choiceMedia(item) {
  const media = item.media;
  if (!media) return h("span", { class: "media-missing" }, t("media_none"));
  if (media.content_type.startsWith("video/")) {
    const video = h("video", { src: media.url, muted: true, autoplay: true, loop: true, playsinline: true, class: "choice-frame" });
    video.muted = true;
    return video;
  }
  return h("img", { src: media.url, alt: "", class: "choice-frame", decoding: "async" });
}

function mirrorToggle(figure) {
  const id = uid("mirror");
  const box = h("input", { type: "checkbox", id, class: "mirror-toggle" });
  box.addEventListener("change", () => figure.classList.toggle("mirrored", box.checked));
  return h("span", { class: "control" }, box, h("label", { for: id }, t("media_mirror")));
}

function imageControls(figure) {
  return h(
    "div",
    { class: "media-controls", role: "group", "aria-label": t("media_controls") },
    mirrorToggle(figure),
  );
}

function videoControls(video, figure) {
  const play = h("button", { type: "button", class: "button small" }, t("media_pause"));
  play.addEventListener("click", () => {
    if (video.paused) video.play().catch(() => {});
    else video.pause();
  });
  video.addEventListener("play", () => {
    play.textContent = t("media_pause");
  });
  video.addEventListener("pause", () => {
    play.textContent = t("media_play");
  });
  const speedName = uid("speed");
  const speeds = h(
    "fieldset",
    { class: "speeds" },
    h("legend", {}, t("media_speed")),
    SPEEDS.map((speed) => {
      const id = uid("speed");
      const input = h("input", { type: "radio", name: speedName, id, value: String(speed), checked: speed === 1 });
      input.addEventListener("change", () => {
        video.playbackRate = speed;
      });
      return h("span", { class: "radio" }, input, h("label", { for: id }, `${speed}×`));
    }),
  );
  const loopId = uid("loop");
  const loop = h("input", { type: "checkbox", id: loopId, checked: true });
  loop.addEventListener("change", () => {
    video.loop = loop.checked;
    if (loop.checked && video.ended) video.play().catch(() => {});
  });
  return h(
    "div",
    { class: "media-controls", role: "group", "aria-label": t("media_controls") },
    play,
    speeds,
    h("span", { class: "control" }, loop, h("label", { for: loopId }, t("media_loop"))),
    mirrorToggle(figure),
  );
}
