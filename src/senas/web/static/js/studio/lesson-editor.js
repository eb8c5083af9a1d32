// One lesson in the studio: its titles, its signs, its exercises (a form for every kind the lesson player
// supports, choices picked from the language's signs), "preview as a learner", and publish with the checklist.

import { api } from "../api.js";
import { navigate } from "../app.js";
import { append, h, uid } from "../dom.js";
import { pick, t } from "../i18n.js";
import { badge, errorBox, field, languageSigns, refuseUnlessAuthor, showError, signLabel, templateBadge, togglePublish } from "./common.js";
import { confirmDialog } from "./dialog.js";

const KINDS = ["watch_choose_meaning", "meaning_choose_video", "perform_sign", "fingerspell"];
const MAX_DISTRACTORS = 3;
// A refusal to show once the page is drawn again (an order made on exercises that changed meanwhile).
let pendingNotice = null;

export async function render(page, { params }) {
  if (refuseUnlessAuthor(page)) return;
  const lessonId = params[0];
  const lesson = await api(`/content/lessons/${encodeURIComponent(lessonId)}?preview=true`);
  const signs = await languageSigns(lesson.language);
  const byId = new Map(signs.map((sign) => [sign.id, sign]));
  const problem = errorBox();
  const reload = () => navigate(`#/studio/lesson/${lessonId}`);
  const act = (work) => async () => {
    problem.hidden = true;
    try {
      if ((await work()) !== false) reload();
    } catch (error) {
      if (error && error.code === "children_changed") {
        // The exercises changed meanwhile (another tab): draw them as they are now, and say why nothing moved.
        pendingNotice = error;
        reload();
      } else showError(problem, error);
    }
  };

  const exercises = [...lesson.exercises].sort((a, b) => a.position - b.position);
  const exerciseIds = exercises.map((exercise) => exercise.id);
  const describe = (exercise) => {
    const target = exercise.sign_id ? byId.get(exercise.sign_id) : null;
    return `${t(`studio_kind_${exercise.kind}`)}${target ? ` — ${target.gloss}` : ""}${exercise.word ? ` — «${exercise.word}»` : ""}`;
  };
  const move = (index, step) =>
    act(async () => {
      const next = [...exerciseIds];
      const [item] = next.splice(index, 1);
      next.splice(index + step, 0, item);
      await api(`/content/author/lessons/${encodeURIComponent(lessonId)}/exercises/order`, { method: "PUT", body: { ids: next } });
    });
  const list = exercises.length
    ? h(
        "ol",
        { class: "studio-exercises", dataset: { testid: "studio-exercises" } },
        exercises.map((exercise, index) =>
          h(
            "li",
            { class: "studio-row" },
            h("span", {}, describe(exercise)),
            h(
              "span",
              { class: "studio-actions" },
              h("button", { type: "button", class: "button small", disabled: index === 0, "aria-label": t("studio_move_up", { name: describe(exercise) }), onclick: move(index, -1) }, "↑"),
              h("button", { type: "button", class: "button small", disabled: index === exercises.length - 1, "aria-label": t("studio_move_down", { name: describe(exercise) }), onclick: move(index, 1) }, "↓"),
              h(
                "button",
                {
                  type: "button",
                  class: "button small danger",
                  onclick: act(async () => {
                    const ok = await confirmDialog({ title: t("studio_delete_title", { name: describe(exercise) }), body: [h("p", {}, t("studio_delete_exercise_lead"))], confirmLabel: t("studio_delete"), danger: true });
                    if (!ok) return false;
                    await api(`/content/author/exercises/${encodeURIComponent(exercise.id)}`, { method: "DELETE" });
                    return true;
                  }),
                },
                t("studio_delete"),
              ),
            ),
          ),
        ),
      )
    : h("p", {}, t("studio_no_exercises"));

  const publish = h("button", { type: "button", class: "button primary", dataset: { testid: "publish-lesson" }, onclick: act(() => togglePublish("lessons", lesson)) }, lesson.status === "published" ? t("studio_unpublish") : t("studio_publish"));
  append(
    page,
    h("h1", {}, `${t("studio_lesson")}: ${pick(lesson, "title")}`),
    h("p", { class: "studio-row" }, badge(lesson.status)),
    h("p", {}, h("a", { href: "#/studio" }, t("studio_back"))),
    problem,
    h(
      "section",
      { class: "card", "aria-labelledby": "lesson-signs-heading" },
      h("h2", { id: "lesson-signs-heading" }, t("studio_lesson_signs")),
      lesson.signs.length
        ? h("ul", {}, lesson.signs.map((sign) => h("li", { class: "studio-row" }, h("a", { href: `#/studio/sign/${sign.id}` }, signLabel(sign)), badge(sign.status), templateBadge(sign.template_status))))
        : h("p", {}, t("studio_lesson_no_signs")),
    ),
    h("section", { class: "card", "aria-labelledby": "lesson-exercises-heading" }, h("h2", { id: "lesson-exercises-heading" }, t("studio_exercises")), list, exerciseForm(lesson, signs, reload)),
    h(
      "p",
      { class: "actions" },
      h("a", { class: "button", href: `#/studio/preview/${lessonId}`, dataset: { testid: "preview-lesson" } }, t("studio_preview")),
      publish,
    ),
  );
  if (pendingNotice) {
    showError(problem, pendingNotice);
    pendingNotice = null;
  }
}

// The form for a new exercise; which fields show depends on the kind.
function exerciseForm(lesson, signs, done) {
  const kindId = uid("kind");
  const kind = h("select", { id: kindId }, KINDS.map((name) => h("option", { value: name }, t(`studio_kind_${name}`))));
  const signId = uid("sign");
  const usable = signs.filter((sign) => sign.category.toLowerCase() !== "alfabeto");
  const target = h("select", { id: signId }, h("option", { value: "" }, t("studio_choose_sign")), usable.map((sign) => h("option", { value: sign.id }, signLabel(sign))));
  const targetField = h("p", { class: "field" }, h("label", { for: signId }, t("studio_exercise_sign")), target);
  const distractors = h(
    "fieldset",
    { class: "studio-distractors" },
    h("legend", {}, t("studio_distractors", { n: MAX_DISTRACTORS })),
    usable.map((sign) => {
      const id = uid("d");
      return h("p", { class: "check" }, h("input", { type: "checkbox", id, value: sign.id, name: "distractor" }), h("label", { for: id }, signLabel(sign)));
    }),
  );
  const [wordField, word] = field(t("studio_word"), { maxlength: 40 });
  const [promptEsField, promptEs] = field(t("studio_prompt_es"), { maxlength: 300 });
  const [promptEnField, promptEn] = field(t("studio_prompt_en"), { maxlength: 300 });
  const problem = errorBox();
  const update = () => {
    const spelled = kind.value === "fingerspell";
    const choosing = kind.value === "watch_choose_meaning" || kind.value === "meaning_choose_video";
    targetField.hidden = spelled;
    distractors.hidden = !choosing;
    wordField.hidden = !spelled;
  };
  kind.addEventListener("change", update);
  update();
  const form = h(
    "form",
    { class: "studio-create", dataset: { testid: "new-exercise" } },
    h(
      "fieldset",
      {},
      h("legend", {}, t("studio_new_exercise")),
      h("p", { class: "field" }, h("label", { for: kindId }, t("studio_exercise_kind")), kind),
      targetField,
      distractors,
      wordField,
      promptEsField,
      promptEnField,
      h("button", { type: "submit", class: "button" }, t("studio_add_exercise")),
      problem,
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.hidden = true;
    const body = { kind: kind.value, prompt_es: promptEs.value.trim(), prompt_en: promptEn.value.trim() };
    if (kind.value === "fingerspell") body.word = word.value.trim();
    else body.sign_id = target.value || null;
    if (!distractors.hidden) {
      body.distractor_ids = [...distractors.querySelectorAll("input:checked")].map((input) => input.value).filter((id) => id !== target.value).slice(0, MAX_DISTRACTORS);
    }
    try {
      await api(`/content/author/lessons/${encodeURIComponent(lesson.id)}/exercises`, { method: "POST", body });
      // The lesson teaches the signs its exercises ask about: add the sign to the lesson's signs if missing.
      const current = lesson.signs.map((sign) => sign.id);
      if (body.sign_id && !current.includes(body.sign_id)) {
        await api(`/content/author/lessons/${encodeURIComponent(lesson.id)}/signs`, { method: "PUT", body: { sign_ids: [...current, body.sign_id] } });
      }
      done();
    } catch (error) {
      showError(problem, error);
    }
  });
  return form;
}

