// "Preview as a learner": the real lesson player on a draft lesson. Only what talks to the progress service
// changes — a draft has no attempt the server could grade, and an author's preview earns nothing — so answers are
// checked here against the preview's answers, and a camera exercise by its practice session's own verdict.

import { api } from "../api.js";
import { append, clear, h } from "../dom.js";
import { pick, t } from "../i18n.js";
import { LessonPlayer } from "../pages/lesson.js";
import { isAuthor } from "./access.js";
import "./texts.js";

class PreviewPlayer extends LessonPlayer {
  async startAttempt() {
    this.attempt = { attempt_id: "preview", exercises: [] };
    this.order = new Map();
    this.right = 0;
  }

  heading() {
    return h("h1", {}, `${t("studio_preview_of")}: ${pick(this.lesson, "title")}`);
  }

  async submit(exercise, answer) {
    let correct = false;
    const correctAnswer = {};
    if (answer.option_id !== undefined) {
      const right = exercise.choices.find((choice) => choice.correct);
      correct = Boolean(right && right.id === answer.option_id);
      Object.assign(correctAnswer, {
        option_id: right ? right.id : null,
        meaning_es: right ? right.meaning_es : "",
        meaning_en: right ? right.meaning_en : "",
        options: exercise.choices.map((choice) => ({ option_id: choice.id, gloss: choice.gloss, meaning_es: choice.meaning_es, meaning_en: choice.meaning_en })),
      });
    } else if (answer.letters !== undefined) {
      const wanted = exercise.letters.map((letter) => letter.letter);
      correct = wanted.length === answer.letters.length && wanted.every((letter, i) => letter === answer.letters[i]);
      correctAnswer.letters = wanted;
    } else if (answer.practice_session_id !== undefined) {
      const session = await api(`/ml/sessions/${encodeURIComponent(answer.practice_session_id)}`);
      correct = session.status === "scored" && session.passed === true;
    }
    if (correct) this.right += 1;
    return { correct, correct_answer: correctAnswer };
  }

  async complete() {
    const total = this.lesson.exercises.length;
    const title = h("h2", { tabindex: -1 }, t("studio_preview_done"));
    append(
      clear(this.page),
      this.heading(),
      h(
        "section",
        { class: "card lesson-result", dataset: { testid: "preview-result" } },
        title,
        h("p", {}, t("studio_preview_score", { right: this.right, total })),
        h("p", { class: "hint" }, t("studio_preview_note")),
        h("p", { class: "actions" }, h("a", { class: "button primary", href: `#/studio/lesson/${this.lesson.id}` }, t("studio_back_to_lesson"))),
      ),
    );
    title.focus();
  }
}

export async function render(page, { params }) {
  if (!isAuthor()) {
    append(page, h("h1", {}, t("studio_title")), h("p", { class: "error", role: "alert", dataset: { testid: "studio-forbidden" } }, t("studio_forbidden")));
    return;
  }
  const lesson = await api(`/content/lessons/${encodeURIComponent(params[0])}?preview=true`);
  const player = new PreviewPlayer(page, lesson);
  player.intro();
  append(page, h("p", { class: "hint studio-preview-banner", role: "note" }, t("studio_preview_banner")));
}
