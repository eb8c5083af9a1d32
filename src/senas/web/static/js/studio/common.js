// Pieces every studio page shares: the "authors only" refusal, status badges, small forms, the publish dialog
// with its checklist, and reading a language's signs (drafts included).

import { api, errorText } from "../api.js";
import { append, h, uid } from "../dom.js";
import { lang, pick, t } from "../i18n.js";
import { isAuthor } from "./access.js";
import { confirmDialog } from "./dialog.js";
import "./texts.js";

export function refuseUnlessAuthor(page) {
  if (isAuthor()) return false;
  append(
    page,
    h("h1", {}, t("studio_title")),
    h("p", { class: "error", role: "alert", dataset: { testid: "studio-forbidden" } }, t("studio_forbidden")),
  );
  return true;
}

export function badge(status) {
  const published = status === "published";
  return h("span", { class: `studio-badge ${published ? "published" : "draft"}`, dataset: { testid: "status" } }, published ? t("studio_published") : t("studio_draft"));
}

export function templateBadge(status) {
  return h("span", { class: `studio-badge template-${status}`, dataset: { testid: "template-status" } }, t(`studio_template_${status}`));
}

// A labelled input; returns [wrapper, input].
export function field(label, attrs = {}, tag = "input") {
  const id = uid("f");
  const input = h(tag, { id, ...attrs });
  return [h("p", { class: "field" }, h("label", { for: id }, label), input), input];
}

export function errorBox() {
  return h("p", { class: "error", role: "alert", hidden: true });
}

export function showError(box, error) {
  box.textContent = errorText(error);
  box.hidden = false;
}

// Every sign of the language an author can see (drafts too), by pages of 50.
export async function languageSigns(code) {
  const signs = [];
  for (let page = 1; page <= 40; page += 1) {
    const answer = await api(`/content/languages/${encodeURIComponent(code)}/dictionary?preview=true&page_size=50&page=${page}`);
    signs.push(...answer.items);
    if (page >= answer.pages) break;
  }
  return signs.sort((a, b) => a.gloss.localeCompare(b.gloss, lang()));
}

export function signLabel(sign) {
  return `${sign.gloss} — ${pick(sign, "meaning")}`;
}

function problemList(problems) {
  return h(
    "ul",
    { class: "studio-checklist", dataset: { testid: "checklist" } },
    problems.map((problem) =>
      h(
        "li",
        { class: problem.blocking ? "blocking" : "warning" },
        h("strong", {}, problem.blocking ? t("studio_check_blocking") : t("studio_check_warning")),
        ` ${problem.where}: ${lang() === "en" ? problem.message_en : problem.message_es}`,
      ),
    ),
  );
}

// Publish or unpublish a lesson or level; publishing first shows what is missing (and refuses while anything
// blocking is left). Resolves to true when the status changed.
export async function togglePublish(kind, item) {
  const publishing = item.status !== "published";
  if (!publishing) {
    const ok = await confirmDialog({ title: t("studio_unpublish_title", { name: pick(item, "title") }), body: [h("p", {}, t("studio_unpublish_lead"))], confirmLabel: t("studio_unpublish") });
    if (!ok) return false;
    await api(`/content/author/${kind}/${encodeURIComponent(item.id)}/unpublish`, { method: "POST" });
    return true;
  }
  const checklist = await api(`/content/author/${kind}/${encodeURIComponent(item.id)}/checklist`);
  const body = checklist.problems.length
    ? [h("p", {}, checklist.ready ? t("studio_check_warnings_only") : t("studio_check_fix_first")), problemList(checklist.problems)]
    : [h("p", { dataset: { testid: "checklist-ok" } }, t("studio_check_ok"))];
  const ok = await confirmDialog({
    title: t("studio_publish_title", { name: pick(item, "title") }),
    body,
    confirmLabel: t("studio_publish"),
    allowConfirm: checklist.ready,
  });
  if (!ok) return false;
  await api(`/content/author/${kind}/${encodeURIComponent(item.id)}/publish`, { method: "POST" });
  return true;
}
