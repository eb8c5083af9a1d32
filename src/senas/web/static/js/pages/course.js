// The course map of the learner's sign language: levels in order, their lessons, progress, and what is locked.
//
// Locking: the course is a path — a level opens when the one before it is completed, and inside an open level a
// lesson opens when the one before it is completed (the first is always open). Lessons can only be completed in
// that order, so a level's count of completed lessons says which ones are done.

import { api, ApiError } from "../api.js";
import { append, h } from "../dom.js";
import { pick, t } from "../i18n.js";
import { loadLanguages, loadProfile, setStats, state } from "../state.js";

export async function render(page) {
  const profile = state.profile || (await loadProfile());
  // Ask for the levels only of a language the catalogue has: a learner may have chosen one with no course yet.
  const [languages, summary] = await Promise.all([loadLanguages(), api("/users/me/progress")]);
  const course = languages.some((item) => item.code === profile.sign_language)
    ? await api(`/content/languages/${encodeURIComponent(profile.sign_language)}/levels`, { auth: false }).catch((error) => {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      })
    : null;
  setStats(summary);
  append(page, h("h1", {}, t("course_title")));
  if (!course) {
    append(page, h("p", { class: "notice" }, t("course_no_language")), h("a", { href: "#/profile" }, t("nav_profile")));
    return;
  }
  append(page, h("p", { class: "lead" }, pick(course.language, "name")));
  const levels = await Promise.all(course.levels.map((level) => api(`/content/levels/${level.id}`, { auth: false })));
  const progress = new Map(summary.levels.map((item) => [item.level_id, item]));
  let previousLevelDone = true;
  const list = h("ol", { class: "levels" });
  for (const level of levels) {
    const done = progress.get(level.id);
    const completedCount = done ? done.lessons_completed : 0;
    const total = level.lessons.length;
    const levelComplete = Boolean(done && (done.completed || done.lessons_completed >= total));
    const levelOpen = previousLevelDone;
    previousLevelDone = levelComplete;
    const lessons = h("ol", { class: "lessons" });
    level.lessons.forEach((lesson, index) => {
      const completed = index < completedCount;
      const open = levelOpen && index <= completedCount;
      const stateKey = completed ? "lesson_done" : open ? "lesson_available" : "lesson_locked";
      const badge = h("span", { class: `badge badge-${stateKey}` }, t(stateKey));
      const title = pick(lesson, "title");
      append(lessons, 
        h(
          "li",
          { class: `lesson ${completed ? "done" : open ? "open" : "locked"}`, dataset: { lessonId: lesson.id } },
          open
            ? h(
                "a",
                { href: `#/lesson/${lesson.id}`, class: "lesson-link" },
                h("span", { class: "lesson-title" }, title),
                badge,
                h("span", { class: "visually-hidden" }, ` — ${completed ? t("lesson_again") : t("lesson_start")}`),
              )
            : h(
                "span",
                { class: "lesson-link", "aria-disabled": "true", title: t("lesson_locked_hint") },
                h("img", { src: "/static/lock.svg", alt: "", class: "icon" }),
                h("span", { class: "lesson-title" }, title),
                badge,
              ),
        ),
      );
    });
    const percent = total ? Math.round((100 * Math.min(completedCount, total)) / total) : 0;
    append(list, 
      h(
        "li",
        { class: `level card ${levelOpen ? "" : "locked"}`, dataset: { levelId: level.id } },
        h("h2", {}, pick(level, "title")),
        h("p", {}, pick(level, "description")),
        h(
          "div",
          { class: "level-progress" },
          h("progress", { max: total || 1, value: Math.min(completedCount, total), "aria-label": pick(level, "title") }),
          h("span", {}, t("level_progress", { done: Math.min(completedCount, total), total }), ` (${percent} %)`),
        ),
        levelOpen ? null : h("p", { class: "hint" }, h("img", { src: "/static/lock.svg", alt: "", class: "icon" }), t("level_locked")),
        lessons,
      ),
    );
  }
  append(page, list);
}
