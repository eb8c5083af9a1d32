// The phone layout's navigation: on narrow screens the header's list of links gives way to a bar at the bottom of
// the screen (where a thumb reaches) with the main sections, and the rest behind a "More" button that opens a
// menu. Which one shows is decided by the styles (one media query), so the desktop header is unchanged and a
// rotated phone switches without a reload. The bar is built from the header's own links on every route, so it
// always says what the header says (current page, unread count, language).

import { append, clear, h } from "../dom.js";
import { t } from "../i18n.js";
import "./texts.js";

// The sections a learner uses every day go in the bar; the others in the menu.
const MAIN = ["#/course", "#/review", "#/dictionary", "#/login", "#/signup"];
// Icons as SVG paths (24×24, stroked): an emoji font is not on every device.
const ICONS = {
  "#/course": "M4 5.5A2.5 2.5 0 0 1 6.5 3H20v15H6.5A2.5 2.5 0 0 0 4 20.5zM4 20.5A2.5 2.5 0 0 0 6.5 23H20v-5",
  "#/review": "M4 12a8 8 0 0 1 13.7-5.7L20 8.6M20 3v5.6h-5.6M20 12a8 8 0 0 1-13.7 5.7L4 15.4M4 21v-5.6h5.6",
  "#/dictionary": "M10.5 3a7.5 7.5 0 1 1 0 15 7.5 7.5 0 0 1 0-15zM16 16l5 5",
  "#/login": "M14 3h5a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2h-5M10 17l5-5-5-5M15 12H3",
  "#/signup": "M12 3v18M3 12h18",
  more: "M4 6h16M4 12h16M4 18h16",
};
const SVG_NS = "http://www.w3.org/2000/svg";

function icon(name) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "bottom-icon");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  return svg;
}

let menuOpen = false;

function bar() {
  let nav = document.getElementById("bottom-nav");
  if (!nav) {
    nav = h("nav", { id: "bottom-nav", class: "bottom-nav", dataset: { testid: "bottom-nav" } });
    const footer = document.querySelector(".site-footer");
    if (footer) footer.after(nav);
    else document.body.append(nav);
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && menuOpen) closeMenu(true);
    });
  }
  nav.setAttribute("aria-label", t("nav_bottom_label"));
  return nav;
}

function closeMenu(focusButton = false) {
  menuOpen = false;
  const menu = document.getElementById("more-menu");
  const button = document.getElementById("more-button");
  if (menu) menu.hidden = true;
  if (button) {
    button.setAttribute("aria-expanded", "false");
    if (focusButton) button.focus();
  }
}

// A copy of a header item for the bar or the menu: links are copied; the sign-out button forwards its click to
// the header's (which carries the handler).
function copyOf(item, withIcon) {
  const original = item.firstElementChild;
  if (!original) return null;
  if (original.tagName === "A") {
    const link = original.cloneNode(true);
    // The copy is not the header's item: it must not answer to the header's ids and test ids.
    for (const el of [link, ...link.querySelectorAll("[id], [data-testid]")]) {
      el.removeAttribute("id");
      delete el.dataset.testid;
    }
    if (withIcon && ICONS[original.getAttribute("href")]) link.prepend(icon(original.getAttribute("href")));
    link.addEventListener("click", () => closeMenu());
    return h("li", {}, link);
  }
  const button = h("button", { type: "button", class: "link-button" }, original.textContent);
  button.addEventListener("click", () => {
    closeMenu();
    original.click();
  });
  return h("li", {}, button);
}

export function enhanceNav(headerNav) {
  const nav = bar();
  const items = [...headerNav.querySelectorAll(":scope > ul > li")];
  const main = [];
  const more = [];
  for (const item of items) {
    const link = item.querySelector("a");
    (link && MAIN.includes(link.getAttribute("href")) ? main : more).push(item);
  }
  const list = h("ul", { class: "bottom-list" }, main.map((item) => copyOf(item, true)));
  if (more.length) {
    const menu = h(
      "ul",
      { id: "more-menu", class: "more-menu", hidden: !menuOpen, "aria-label": t("nav_more_label") },
      more.map((item) => copyOf(item, false)),
    );
    const current = more.some((item) => item.querySelector("[aria-current='page']"));
    const button = h(
      "button",
      {
        type: "button",
        id: "more-button",
        class: `more-button${current ? " current" : ""}`,
        "aria-expanded": menuOpen ? "true" : "false",
        "aria-controls": "more-menu",
        dataset: { testid: "nav-more" },
      },
      icon("more"),
      t("nav_more"),
    );
    button.addEventListener("click", () => {
      menuOpen = !menuOpen;
      menu.hidden = !menuOpen;
      button.setAttribute("aria-expanded", String(menuOpen));
      if (menuOpen) {
        const first = menu.querySelector("a, button");
        if (first) first.focus();
      }
    });
    append(list, h("li", { class: "more-item" }, button, menu));
  }
  append(clear(nav), list);
  if (!more.length) menuOpen = false;
}
