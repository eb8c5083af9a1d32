// What a learner sees when a page needs the server and there is no connection (their session could not be renewed):
// a clear offline state and the lessons they opened before, which still open from the offline cache.

import { append, h } from "../dom.js";
import { pick, t } from "../i18n.js";
import { keptLessons } from "./lessons.js";
import "./texts.js";

export async function render(page) {
  const lessons = await keptLessons().catch(() => []);
  append(
    page,
    h("h1", {}, t("offline_title")),
    h("p", { class: "notice", dataset: { testid: "offline-page" } }, t("offline_unavailable")),
    lessons.length
      ? h(
          "section",
          { "aria-labelledby": "kept-heading" },
          h("h2", { id: "kept-heading" }, t("offline_kept")),
          h(
            "ul",
            { class: "lessons", dataset: { testid: "offline-lessons" } },
            lessons.map((lesson) =>
              h("li", { class: "lesson" }, h("a", { class: "lesson-link", href: `#/lesson/${lesson.id}` }, h("span", { class: "lesson-title" }, pick(lesson, "title")))),
            ),
          ),
        )
      : h("p", {}, t("offline_kept_none")),
  );
}
