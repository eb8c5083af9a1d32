// A sign's media with its controls: speed 0.5× / 0.75× / 1×, loop, mirror, play. Real recordings are <video>;
// the demo course's generated SVG animations (SMIL) are fetched (same origin), sanitised and put inline, where
// the same controls drive their timeline (pauseAnimations + setCurrentTime). If that fails they stay an <img>
// (which animates by itself, so only mirror applies).
// Every sign carries its text — gloss and meaning — as alt text and as a visible caption, and the demo notice
// the content gives ("demo — generated animation") whenever the media is not a real signer.

import { append, h, uid } from "./dom.js";
import { pick, t } from "./i18n.js";
import { reducedMotion } from "./mobile/device.js"; // device: reduced motion starts media paused

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
      autoplay: !reducedMotion(),
      loop: true,
      preload: "metadata",
      "aria-label": name,
      class: "media-frame",
    });
    video.muted = true;
    append(figure, h("div", { class: "media-box" }, video));
    if (controls) append(figure, videoControls(video, figure));
  } else if (media.content_type === "image/svg+xml") {
    const img = h("img", { src: media.url, alt: name, class: "media-frame", decoding: "async" });
    const box = h("div", { class: "media-box" }, img);
    append(figure, box);
    const player = new SvgPlayer();
    player.paused = reducedMotion();
    const widgets = controls ? timelineControls(player, figure) : null;
    if (widgets) append(figure, widgets.group);
    inlineSvg(media.url, name)
      .then((svg) => {
        box.replaceChild(svg, img);
        player.attach(svg, figure);
        if (widgets) widgets.enable();
      })
      .catch(() => {
        if (widgets) widgets.fallback(); // the <img> stays: it animates by itself, only mirror applies
      });
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
    const still = reducedMotion();
    const video = h("video", { src: media.url, muted: true, autoplay: !still, loop: true, playsinline: true, class: "choice-frame" });
    video.muted = true;
    if (still) {
      // Paused by default; it plays while the learner points at or focuses its choice.
      video.preload = "metadata";
      const play = () => video.play().catch(() => {});
      const stop = () => video.pause();
      video.addEventListener("pointerenter", play);
      video.addEventListener("pointerleave", stop);
      queueMicrotask(() => {
        const button = video.closest("button");
        if (!button) return;
        button.addEventListener("focus", play);
        button.addEventListener("blur", stop);
      });
    }
    return video;
  }
  const img = h("img", { src: media.url, alt: "", class: "choice-frame", decoding: "async" });
  if (media.content_type === "image/svg+xml" && reducedMotion()) holdStill(img, media.url);
  return img;
}

// Reduced motion, for an animated SVG in a choice: an <img> animates by itself, so it is put inline, held still
// half-way through its cycle (where the hand is shaped, rather than at rest), and played only while the learner
// points at or focuses its choice. Hidden until then; if inlining fails, the <img> shows as before.
function holdStill(img, url) {
  img.classList.add("awaiting-still");
  inlineSvg(url, "")
    .then((svg) => {
      svg.pauseAnimations();
      svg.setCurrentTime(cycleLength(svg) / 2);
      svg.setAttribute("class", "choice-frame still");
      svg.setAttribute("aria-hidden", "true"); // the choice's label names it
      svg.removeAttribute("role");
      svg.removeAttribute("aria-label");
      img.replaceWith(svg);
      const play = () => svg.unpauseAnimations();
      const stop = () => svg.pauseAnimations();
      const button = svg.closest("button") || svg;
      button.addEventListener("pointerenter", play);
      button.addEventListener("pointerleave", stop);
      button.addEventListener("focus", play);
      button.addEventListener("blur", stop);
    })
    .catch(() => img.classList.remove("awaiting-still"));
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
  const player = {
    get paused() {
      return video.paused;
    },
    play: () => video.play().catch(() => {}),
    pause: () => video.pause(),
    setRate: (speed) => {
      video.playbackRate = speed;
    },
    setLoop: (on) => {
      video.loop = on;
      if (on && video.ended) video.play().catch(() => {});
    },
    onState: (listener) => {
      video.addEventListener("play", listener);
      video.addEventListener("pause", listener);
    },
  };
  return playerControls(player, figure).group;
}

function timelineControls(player, figure) {
  const widgets = playerControls(player, figure);
  for (const control of widgets.timing) control.disabled = true;
  widgets.enable = () => {
    for (const control of widgets.timing) control.disabled = false;
  };
  widgets.fallback = () => {
    for (const control of widgets.timing) control.closest(".control, fieldset, button")?.remove();
  };
  return widgets;
}

// play/pause, speed, loop and mirror, for any player with {paused, play, pause, setRate, setLoop, onState}.
function playerControls(player, figure) {
  const play = h("button", { type: "button", class: "button small", dataset: { testid: "media-play" } }, reducedMotion() ? t("media_play") : t("media_pause"));
  play.addEventListener("click", () => {
    if (player.paused) player.play();
    else player.pause();
  });
  player.onState(() => {
    play.textContent = player.paused ? t("media_play") : t("media_pause");
  });
  const speedName = uid("speed");
  const speeds = h(
    "fieldset",
    { class: "speeds" },
    h("legend", {}, t("media_speed")),
    SPEEDS.map((speed) => {
      const id = uid("speed");
      const input = h("input", { type: "radio", name: speedName, id, value: String(speed), checked: speed === 1 });
      input.addEventListener("change", () => player.setRate(speed));
      return h("span", { class: "radio" }, input, h("label", { for: id }, `${speed}×`));
    }),
  );
  const loopId = uid("loop");
  const loop = h("input", { type: "checkbox", id: loopId, checked: true });
  loop.addEventListener("change", () => player.setLoop(loop.checked));
  const group = h(
    "div",
    { class: "media-controls", role: "group", "aria-label": t("media_controls") },
    play,
    speeds,
    h("span", { class: "control" }, loop, h("label", { for: loopId }, t("media_loop"))),
    mirrorToggle(figure),
  );
  return { group, timing: [play, speeds, loop] };
}

// -- inline SVG animations ------------------------------------------------------------------------------------

const SVG_NS = "http://www.w3.org/2000/svg";
const XLINK_NS = "http://www.w3.org/1999/xlink";
const DROPPED_ELEMENTS = new Set(["script", "foreignobject", "iframe", "embed", "object", "style", "title", "desc"]);
const ANIMATIONS = "animate, animateTransform, animateMotion, animateColor, set";

// Fetches the SVG (same origin), parses and sanitises it, and returns it ready to insert, named like the <img>.
async function inlineSvg(url, name) {
  const target = new URL(url, location.href);
  if (target.origin !== location.origin) throw new Error("not same-origin");
  const response = await fetch(target, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const parsed = new DOMParser().parseFromString(await response.text(), "image/svg+xml");
  const root = parsed.documentElement;
  if (!root || root.namespaceURI !== SVG_NS || root.localName !== "svg" || parsed.getElementsByTagName("parsererror").length) {
    throw new Error("not an SVG");
  }
  sanitiseSvg(root);
  const svg = document.importNode(root, true);
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.setAttribute("class", "media-frame");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", name);
  svg.setAttribute("focusable", "false");
  return svg;
}

// Defence in depth (the content is ours): no scripts, handlers, foreign content, styles the CSP would refuse,
// external references, or animations that could rewrite a link.
function sanitiseSvg(root) {
  for (const el of [root, ...root.querySelectorAll("*")]) {
    if (el !== root && !root.contains(el)) continue; // inside something already dropped
    const tag = el.localName.toLowerCase();
    if (el.namespaceURI !== SVG_NS || DROPPED_ELEMENTS.has(tag)) {
      el.remove();
      continue;
    }
    if (el.matches(ANIMATIONS) && /href/i.test(el.getAttribute("attributeName") || "")) {
      el.remove();
      continue;
    }
    for (const attr of [...el.attributes]) {
      const attrName = attr.localName.toLowerCase();
      const isHref = attrName === "href" && (attr.namespaceURI === null || attr.namespaceURI === XLINK_NS);
      if (
        attrName.startsWith("on") ||
        attrName === "style" ||
        (isHref && !attr.value.trim().startsWith("#")) ||
        (attr.namespaceURI !== null && attr.namespaceURI !== XLINK_NS && attr.namespaceURI !== "http://www.w3.org/2000/xmlns/")
      ) {
        el.removeAttributeNode(attr);
      }
    }
  }
}

// The longest `dur` among the animations (one cycle), in seconds; 0 when none can be read.
function cycleLength(svg) {
  let longest = 0;
  for (const el of svg.querySelectorAll(ANIMATIONS)) {
    longest = Math.max(longest, clockValue(el.getAttribute("dur") || ""));
  }
  return longest;
}

function clockValue(text) {
  const value = text.trim();
  let match = /^(\d+(?:\.\d+)?)(h|min|s|ms)?$/.exec(value);
  if (match) {
    const scale = { h: 3600, min: 60, s: 1, ms: 0.001 }[match[2] || "s"];
    return Number(match[1]) * scale;
  }
  match = /^(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)$/.exec(value);
  if (match) return Number(match[1] || 0) * 3600 + Number(match[2]) * 60 + Number(match[3]);
  return 0;
}

// Drives an inline SVG's SMIL timeline from requestAnimationFrame at the chosen rate, looping or stopping at
// the end of one cycle. Settings chosen before the SVG arrives apply when it does.
class SvgPlayer {
  constructor() {
    this.svg = null;
    this.rate = 1;
    this.loop = true;
    this.paused = false;
    this.time = 0;
    this.cycle = 0;
    this.last = null;
    this.frame = 0;
    this.seen = false;
    this.listeners = [];
    this.tick = this.tick.bind(this);
  }

  attach(svg, figure) {
    this.svg = svg;
    this.figure = figure;
    this.cycle = cycleLength(svg);
    svg.dataset.cycle = String(this.cycle);
    svg.pauseAnimations();
    svg.setCurrentTime(0);
    if (!this.paused) this.start();
  }

  onState(listener) {
    this.listeners.push(listener);
  }

  notify() {
    for (const listener of this.listeners) listener();
  }

  start() {
    if (!this.svg || this.frame) return;
    this.last = null;
    this.frame = requestAnimationFrame(this.tick);
  }

  stop() {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.last = null;
  }

  tick(now) {
    this.frame = 0;
    const svg = this.svg;
    if (svg.isConnected) this.seen = true;
    else if (this.seen) return; // the page moved on: let it go
    if (this.last !== null) this.advance(Math.min(Math.max(now - this.last, 0), 1000) / 1000);
    this.last = now;
    svg.setCurrentTime(this.time);
    if (this.paused) return;
    this.frame = requestAnimationFrame(this.tick);
  }

  advance(seconds) {
    this.time += seconds * this.rate;
    if (!this.cycle || this.time < this.cycle) return;
    if (this.loop) {
      this.time %= this.cycle;
    } else {
      this.time = this.cycle; // the end of one cycle: hold there
      this.paused = true;
      this.svg.dataset.ended = "true";
      this.notify();
    }
  }

  play() {
    if (this.cycle && this.time >= this.cycle) this.time = 0;
    if (this.svg) delete this.svg.dataset.ended;
    this.paused = false;
    this.start();
    this.notify();
  }

  pause() {
    this.paused = true;
    this.stop();
    this.notify();
  }

  setRate(speed) {
    this.rate = speed;
  }

  setLoop(on) {
    this.loop = on;
    if (on && this.svg && this.svg.dataset.ended) this.play();
  }
}
