// Dictionary search: accent- and case-insensitive on the server ("senas" finds "señas"); the query lives in
// the address (#/dictionary?q=…&lang=…&page=…) so a search can be shared and the back button works.

import { api } from "../api.js";
import { navigate } from "../app.js";
import { append, h } from "../dom.js";
import { pick, t } from "../i18n.js";
import { loadLanguages, state } from "../state.js";
import { field, select } from "./forms.js";

const PAGE_SIZE = 12;

export async function render(page, { query }) {
  const languages = await loadLanguages();
  const fallback = (state.profile && state.profile.sign_language) || (languages[0] && languages[0].code) || "ase";
  const code = query.get("lang") || fallback;
  const q = query.get("q") || "";
  const pageNumber = Math.max(1, Number.parseInt(query.get("page") || "1", 10) || 1);
  const input = h("input", { type: "search", name: "q", value: q, maxlength: 100, autocomplete: "off" });
  const language = select(
    "lang",
    languages.map((item) => [item.code, pick(item, "name")]),
    code,
  );
  const form = h(
    "form",
    { class: "search card", role: "search" },
    field(t("dictionary_search"), input, t("dictionary_hint")),
    languages.length > 1 ? field(t("sign_language"), language) : null,
    h("button", { type: "submit", class: "button primary" }, t("dictionary_submit")),
  );
  const go = (pageWanted) => {
    const params = new URLSearchParams({ q: input.value.trim(), lang: language.value || code });
    if (pageWanted > 1) params.set("page", String(pageWanted));
    navigate(`#/dictionary?${params}`);
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    go(1);
  });
  append(page, h("h1", {}, t("dictionary_title")), form);
  const params = new URLSearchParams({ q, page: String(pageNumber), page_size: String(PAGE_SIZE) });
  const result = await api(`/content/languages/${encodeURIComponent(code)}/dictionary?${params}`, { auth: false });
  const section = h(
    "section",
    { class: "results", "aria-labelledby": "results-heading" },
    h("h2", { id: "results-heading", role: "status" }, result.total ? t("dictionary_results", { total: result.total }) : t("dictionary_none")),
  );
  append(section, 
    h(
      "ul",
      { class: "sign-list", dataset: { testid: "dictionary-results" } },
      result.items.map((sign) =>
        h(
          "li",
          { class: "card sign-item" },
          sign.media && sign.media.content_type.startsWith("image/")
            ? h("img", { src: sign.media.url, alt: t("media_alt", { gloss: sign.gloss, meaning: pick(sign, "meaning") }), class: "thumb" })
            : null,
          h(
            "div",
            {},
            h("h3", {}, h("a", { href: `#/sign/${sign.id}` }, `${sign.gloss} — ${pick(sign, "meaning")}`)),
            sign.category ? h("p", { class: "hint" }, `${t("category")}: ${sign.category}`) : null,
          ),
        ),
      ),
    ),
  );
  if (result.pages > 1) {
    const previous = h("button", { type: "button", class: "button", disabled: result.page <= 1 }, t("previous"));
    const next = h("button", { type: "button", class: "button", disabled: result.page >= result.pages }, t("next"));
    previous.addEventListener("click", () => go(result.page - 1));
    next.addEventListener("click", () => go(result.page + 1));
    append(section, 
      h("nav", { class: "pager", "aria-label": t("page_of", { page: result.page, pages: result.pages }) }, previous, h("span", {}, t("page_of", { page: result.page, pages: result.pages })), next),
    );
  }
  append(page, section);
}
