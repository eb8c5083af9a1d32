// The author studio's home: the course tree of one language (levels → lessons) with create, rename, reorder,
// delete and publish; the language's signs with their video/template state and a form for a new sign; and
// bundles (export a language or a level, import an archive with its validation report).

import { accessTokenNow, api, errorText, refreshTokens } from "../api.js";
import { navigate } from "../app.js";
import { append, clear, h } from "../dom.js";
import { localise, pick, t } from "../i18n.js";
import { state } from "../state.js";
import { confirmDialog } from "./dialog.js";
import { badge, errorBox, field, languageSigns, refuseUnlessAuthor, showError, signLabel, templateBadge, togglePublish } from "./common.js";

export { render as renderSign } from "./sign-editor.js";
export { render as renderLesson } from "./lesson-editor.js";
export { render as renderPreview } from "./preview.js";

const LANGUAGE_KEY = "senas.studio.language";

function chosenLanguage(languages) {
  const stored = sessionStorage.getItem(LANGUAGE_KEY);
  const codes = languages.map((language) => language.code);
  if (stored && codes.includes(stored)) return stored;
  const own = state.profile && state.profile.sign_language;
  return codes.includes(own) ? own : codes[0];
}

export async function render(page) {
  if (refuseUnlessAuthor(page)) return;
  const languages = await api("/content/languages?preview=true");
  const code = chosenLanguage(languages);
  const select = h("select", { id: "studio-language" }, languages.map((language) => h("option", { value: language.code, selected: language.code === code }, `${pick(language, "name")} (${language.code})`)));
  select.addEventListener("change", () => {
    sessionStorage.setItem(LANGUAGE_KEY, select.value);
    navigate("#/studio");
  });
  const tree = h("section", { class: "card studio-tree", "aria-labelledby": "studio-tree-heading" });
  const signs = h("section", { class: "card studio-signs", "aria-labelledby": "studio-signs-heading" });
  const bundles = h("section", { class: "card studio-bundles", "aria-labelledby": "studio-bundles-heading" });
  append(
    page,
    h("h1", {}, t("studio_title")),
    h("p", { class: "lead" }, t("studio_lead")),
    h("p", { class: "field" }, h("label", { for: "studio-language" }, t("studio_language")), select),
    tree,
    signs,
    bundles,
  );
  if (!code) return;
  await Promise.all([renderTree(tree, code), renderSigns(signs, code)]);
  renderBundles(bundles, code);
}

// -- the course tree ----------------------------------------------------------------------------------------

async function renderTree(section, code, notice = null) {
  const { levels } = await api(`/content/languages/${encodeURIComponent(code)}/levels?preview=true`);
  const ordered = [...levels].sort((a, b) => a.position - b.position);
  const details = await Promise.all(ordered.map((level) => api(`/content/levels/${encodeURIComponent(level.id)}?preview=true`)));
  const problem = errorBox();
  const redraw = (notice = null) => renderTree(clear(section), code, notice).catch((error) => showError(problem, error));
  const act = (work) => async () => {
    problem.hidden = true;
    try {
      if ((await work()) !== false) await redraw();
    } catch (error) {
      // An order of other children than there are now (changed in another tab): show the current ones, and why.
      if (error && error.code === "children_changed") await redraw(error);
      else showError(problem, error);
    }
  };
  const move = (ids, index, step, path) =>
    act(async () => {
      const next = [...ids];
      const [item] = next.splice(index, 1);
      next.splice(index + step, 0, item);
      await api(path, { method: "PUT", body: { ids: next } });
    });
  const levelIds = ordered.map((level) => level.id);
  const items = details.map((level, index) => {
    const lessons = [...level.lessons].sort((a, b) => a.position - b.position);
    const lessonIds = lessons.map((lesson) => lesson.id);
    const title = pick(level, "title");
    return h(
      "li",
      { class: "studio-level", dataset: { testid: "studio-level", title: level.title_es } },
      h(
        "div",
        { class: "studio-row" },
        h("h3", {}, title),
        badge(level.status),
        h(
          "span",
          { class: "studio-actions" },
          h("button", { type: "button", class: "button small", disabled: index === 0, "aria-label": t("studio_move_up", { name: title }), onclick: move(levelIds, index, -1, `/content/author/languages/${code}/levels/order`) }, "↑"),
          h("button", { type: "button", class: "button small", disabled: index === ordered.length - 1, "aria-label": t("studio_move_down", { name: title }), onclick: move(levelIds, index, 1, `/content/author/languages/${code}/levels/order`) }, "↓"),
          h("button", { type: "button", class: "button small", onclick: act(() => rename("levels", level)) }, t("studio_rename")),
          h("button", { type: "button", class: "button small", dataset: { testid: "publish-level" }, onclick: act(() => togglePublish("levels", level)) }, level.status === "published" ? t("studio_unpublish") : t("studio_publish")),
          h("button", { type: "button", class: "button small danger", onclick: act(() => remove("levels", level)) }, t("studio_delete")),
        ),
      ),
      h(
        "ol",
        { class: "studio-lessons" },
        lessons.map((lesson, position) => {
          const name = pick(lesson, "title");
          return h(
            "li",
            { class: "studio-row", dataset: { testid: "studio-lesson" } },
            h("a", { href: `#/studio/lesson/${lesson.id}` }, name),
            badge(lesson.status),
            h(
              "span",
              { class: "studio-actions" },
              h("button", { type: "button", class: "button small", disabled: position === 0, "aria-label": t("studio_move_up", { name }), onclick: move(lessonIds, position, -1, `/content/author/levels/${level.id}/lessons/order`) }, "↑"),
              h("button", { type: "button", class: "button small", disabled: position === lessons.length - 1, "aria-label": t("studio_move_down", { name }), onclick: move(lessonIds, position, 1, `/content/author/levels/${level.id}/lessons/order`) }, "↓"),
              h("button", { type: "button", class: "button small danger", onclick: act(() => remove("lessons", lesson)) }, t("studio_delete")),
            ),
          );
        }),
      ),
      createForm(t("studio_new_lesson"), `/content/author/levels/${level.id}/lessons`, (created) => navigate(`#/studio/lesson/${created.id}`), "new-lesson"),
    );
  });
  append(
    section,
    h("h2", { id: "studio-tree-heading" }, t("studio_tree")),
    problem,
    ordered.length ? h("ol", { class: "studio-levels" }, items) : h("p", {}, t("studio_no_levels")),
    createForm(t("studio_new_level"), `/content/author/languages/${code}/levels`, () => redraw(), "new-level"),
  );
  if (notice) showError(problem, notice);
}

// A "new level" / "new lesson" form: titles in Spanish and English.
function createForm(legend, path, done, testid) {
  const [esField, es] = field(t("studio_title_es"), { required: true, maxlength: 200 });
  const [enField, en] = field(t("studio_title_en"), { required: true, maxlength: 200 });
  const problem = errorBox();
  const form = h("form", { class: "studio-create", dataset: { testid } }, h("fieldset", {}, h("legend", {}, legend), esField, enField, h("button", { type: "submit", class: "button" }, t("studio_create")), problem));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.hidden = true;
    try {
      const created = await api(path, { method: "POST", body: { title_es: es.value.trim(), title_en: en.value.trim() } });
      await done(created);
    } catch (error) {
      showError(problem, error);
    }
  });
  return form;
}

async function rename(kind, item) {
  const [esField, es] = field(t("studio_title_es"), { value: item.title_es, maxlength: 200 });
  const [enField, en] = field(t("studio_title_en"), { value: item.title_en, maxlength: 200 });
  const ok = await confirmDialog({ title: t("studio_rename"), body: [esField, enField], confirmLabel: t("studio_save") });
  if (!ok) return false;
  await api(`/content/author/${kind}/${encodeURIComponent(item.id)}`, { method: "PATCH", body: { title_es: es.value.trim(), title_en: en.value.trim() } });
  return true;
}

async function remove(kind, item) {
  const ok = await confirmDialog({
    title: t("studio_delete_title", { name: pick(item, "title") }),
    body: [h("p", {}, kind === "levels" ? t("studio_delete_level_lead") : t("studio_delete_lesson_lead"))],
    confirmLabel: t("studio_delete"),
    danger: true,
  });
  if (!ok) return false;
  await api(`/content/author/${kind}/${encodeURIComponent(item.id)}`, { method: "DELETE" });
  return true;
}

// -- signs --------------------------------------------------------------------------------------------------

async function renderSigns(section, code) {
  const signs = await languageSigns(code);
  const [glossField, gloss] = field(t("studio_gloss"), { required: true, maxlength: 120 });
  const [esField, es] = field(t("studio_meaning_es"), { required: true, maxlength: 300 });
  const [enField, en] = field(t("studio_meaning_en"), { required: true, maxlength: 300 });
  const [categoryField, category] = field(t("studio_category"), { maxlength: 80 });
  const [handshapeField, handshape] = field(t("studio_handshape"), { maxlength: 80 });
  const [notesField, notes] = field(t("studio_notes"), { rows: 2, maxlength: 5000 }, "textarea");
  const problem = errorBox();
  const form = h(
    "form",
    { class: "studio-create", dataset: { testid: "new-sign" } },
    h("fieldset", {}, h("legend", {}, t("studio_new_sign")), glossField, esField, enField, categoryField, handshapeField, notesField, h("button", { type: "submit", class: "button" }, t("studio_create")), problem),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.hidden = true;
    try {
      const sign = await api(`/content/author/languages/${encodeURIComponent(code)}/signs`, {
        method: "POST",
        body: {
          gloss: gloss.value.trim(),
          meaning_es: es.value.trim(),
          meaning_en: en.value.trim(),
          category: category.value.trim(),
          handshape: handshape.value.trim(),
          description_es: notes.value.trim(),
          description_en: notes.value.trim(),
        },
      });
      navigate(`#/studio/sign/${sign.id}`);
    } catch (error) {
      showError(problem, error);
    }
  });
  append(
    section,
    h("h2", { id: "studio-signs-heading" }, t("studio_signs")),
    h(
      "ul",
      { class: "studio-sign-list" },
      signs.map((sign) => h("li", { class: "studio-row" }, h("a", { href: `#/studio/sign/${sign.id}` }, signLabel(sign)), badge(sign.status), templateBadge(sign.template_status))),
    ),
    form,
  );
}

// -- bundles ------------------------------------------------------------------------------------------------

// Downloads need the author's token, so the archive is fetched and handed to the browser as a blob.
async function download(path) {
  if (!accessTokenNow()) await refreshTokens();
  const response = await fetch(path, { headers: { Authorization: `Bearer ${accessTokenNow()}` } });
  if (!response.ok) throw new Error(`${response.status}`);
  const disposition = response.headers.get("content-disposition") || "";
  const name = (/filename="([^"]+)"/.exec(disposition) || [])[1] || "senas-bundle.zip";
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: name, hidden: true }, name);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return name;
}

async function renderBundles(section, code) {
  const { levels } = await api(`/content/languages/${encodeURIComponent(code)}/levels?preview=true`);
  const scope = h("select", { id: "bundle-scope" }, h("option", { value: "" }, t("studio_bundle_whole", { code })), levels.map((level) => h("option", { value: level.id }, pick(level, "title"))));
  const exportButton = h("button", { type: "button", class: "button", dataset: { testid: "bundle-export" } }, t("studio_bundle_export"));
  const exportStatus = h("p", { role: "status", dataset: { testid: "bundle-export-status" } });
  exportButton.addEventListener("click", async () => {
    exportStatus.textContent = t("working");
    const level = scope.value ? `?level=${encodeURIComponent(scope.value)}` : "";
    try {
      const name = await download(`/content/author/bundles/${encodeURIComponent(code)}${level}`);
      exportStatus.textContent = t("studio_bundle_exported", { name });
    } catch (error) {
      exportStatus.textContent = errorText(error);
    }
  });
  const file = h("input", { type: "file", id: "bundle-file", accept: ".zip,application/zip" });
  const importButton = h("button", { type: "button", class: "button", dataset: { testid: "bundle-import" } }, t("studio_bundle_import"));
  const report = h("div", { class: "bundle-report", role: "status", "aria-live": "polite", dataset: { testid: "bundle-report" } });
  importButton.addEventListener("click", async () => {
    clear(report);
    const chosen = file.files && file.files[0];
    if (!chosen) {
      append(report, h("p", { class: "error" }, t("studio_bundle_choose")));
      return;
    }
    append(report, h("p", {}, t("working")));
    // Sent with fetch itself: a refusal's body lists every problem, which the shared api() does not keep.
    try {
      if (!accessTokenNow()) await refreshTokens();
      const response = await fetch("/content/author/bundles", {
        method: "POST",
        headers: { Authorization: `Bearer ${accessTokenNow()}`, "Content-Type": "application/zip", Accept: "application/json" },
        body: chosen,
      });
      const body = await response.json().catch(() => ({}));
      if (response.ok) {
        append(clear(report), h("p", { class: "ok", dataset: { testid: "bundle-imported" } }, t("studio_bundle_imported", body)));
        return;
      }
      const problems = Array.isArray(body.problems) ? body.problems : [];
      append(
        clear(report),
        h("p", { class: "error", dataset: { testid: "bundle-refused" } }, localise(body.detail) || t("error_generic")),
        problems.length ? h("ul", { class: "studio-checklist", dataset: { testid: "bundle-problems" } }, problems.map((problem) => h("li", {}, problem))) : null,
      );
    } catch (error) {
      append(clear(report), h("p", { class: "error" }, errorText(error)));
    }
  });
  append(
    section,
    h("h2", { id: "studio-bundles-heading" }, t("studio_bundles")),
    h("p", { class: "hint" }, t("studio_bundles_lead")),
    h("p", { class: "field" }, h("label", { for: "bundle-scope" }, t("studio_bundle_scope")), scope),
    h("p", {}, exportButton),
    exportStatus,
    h("p", { class: "field" }, h("label", { for: "bundle-file" }, t("studio_bundle_file")), file),
    h("p", {}, importButton),
    report,
  );
}
