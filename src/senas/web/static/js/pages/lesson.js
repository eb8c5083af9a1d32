// The lesson player: first the lesson's signs (with speed, loop and mirror), then its exercises one by one —
// choose the meaning, choose the video, fingerspell, perform on camera — played as an attempt the server grades.
// The lesson as read names no right answer: starting the exercises starts an attempt (POST …/attempts, which
// gives this attempt's order of each exercise's choices), each answer sends what the learner chose and shows the
// server's verdict with the right answer, and completing the attempt gives the score, the XP and the streak (review
// cards, achievements and the leaderboard follow on the server).

import { api, ApiError, errorText, isSignedIn } from "../api.js";
import { onLeave } from "../app.js";
import { cameraPractice, selfViewCamera } from "../camera.js";
import { append, clear, h, shuffle } from "../dom.js";
import { lang, pick, t } from "../i18n.js";
import { choiceMedia, signMedia } from "../media.js";
import { setStats, state } from "../state.js";
/* --- live landmarks --- */
import { liveSupport } from "../live/engine.js";
import { liveLetterStep } from "../live/letters.js";
import { reasonText } from "../live/practice.js";
import { liveTracker } from "../live/tracker.js";
/* --- end live landmarks --- */
/* --- mobile/offline --- */
import { attemptWrite, startAttempt } from "../offline/attempts.js";
import { isOffline, sendQueued } from "../offline/connection.js";
import { keepLesson } from "../offline/lessons.js";
/* --- end mobile/offline --- */

const MAX_OPTIONS = 4;
// A letter signed on camera counts when the recogniser names it with at least this confidence (0–1): below it,
// the top guesses are too close to call and the learner is asked to sign it again.
const MIN_LETTER_CONFIDENCE = 0.6;

export async function render(page, { params }) {
  const path = `/content/lessons/${encodeURIComponent(params[0])}`;
  const lesson = await api(path, { auth: false });
  keepLesson(path, lesson).catch(() => {}); // offline: an opened lesson stays readable without a connection
  new LessonPlayer(page, lesson).intro();
}

// Exported for the author studio's "preview as a learner" (studio/preview.js), which plays a draft with it.
export class LessonPlayer {
  constructor(page, lesson) {
    this.page = page;
    this.lesson = lesson;
    this.attempt = null; // the server's attempt: its id and each exercise's order of choices
    this.order = new Map();
    this.index = 0;
    this.skipped = 0;
    this.xp = 0;
    this.stage = h("div", { class: "lesson-stage" });
    this.camera = null;
    this.tracker = null; // the live landmark tracker on this.camera, if any
    onLeave(() => this.stopCamera());
  }

  stopCamera() {
    if (this.tracker) this.tracker.stop(); /* --- live landmarks --- */
    this.tracker = null; /* --- live landmarks --- */
    if (this.camera) this.camera.stop();
    this.camera = null;
  }

  heading() {
    return h("h1", {}, pick(this.lesson, "title"));
  }

  intro() {
    const description = pick(this.lesson, "description");
    const begin = h("button", { type: "button", class: "button primary", dataset: { testid: "begin" } }, t("lesson_begin"));
    const problem = h("p", { class: "error", role: "alert", hidden: true });
    begin.addEventListener("click", async () => {
      begin.disabled = true;
      problem.hidden = true;
      try {
        await this.startAttempt();
      } catch (error) {
        problem.textContent = errorText(error);
        problem.hidden = false;
        begin.disabled = false;
        return;
      }
      this.show(0);
    });
    append(clear(this.page), 
      this.heading(),
      description ? h("p", { class: "lead" }, description) : null,
      h(
        "section",
        { class: "learn", "aria-labelledby": "learn-heading" },
        h("h2", { id: "learn-heading" }, t("lesson_learn")),
        h("p", { class: "hint" }, t("lesson_learn_lead")),
        this.lesson.signs.some((sign) => sign.media && !sign.media.content_type.startsWith("video/"))
          ? h("p", { class: "hint" }, t("media_demo_note"))
          : null,
        h("ul", { class: "sign-grid" }, this.lesson.signs.map((sign) => h("li", {}, signMedia(sign)))),
      ),
      this.lesson.exercises.length ? begin : null,
      problem,
    );
  }

  // The attempt the server grades: one per play of the lesson (a new key each time the exercises start).
  async startAttempt() {
    // offline: without a connection the attempt starts anyway, its writes queued (offline/attempts.js)
    this.attempt = await startAttempt(this.lesson.id);
    this.order = new Map(this.attempt.exercises.map((item) => [item.exercise_id, item.option_ids]));
  }

  // The exercise's choices in this attempt's order (any the attempt does not name, after them).
  ordered(exercise) {
    const order = this.order.get(exercise.id) || [];
    const byId = new Map(exercise.choices.map((choice) => [choice.id, choice]));
    const first = order.filter((id) => byId.has(id)).map((id) => byId.get(id));
    return [...first, ...exercise.choices.filter((choice) => !order.includes(choice.id))];
  }

  // Sends what the learner chose; the server's verdict comes back ({correct, correct_answer}).
  // Offline the answer is queued instead: {offline: true}, no verdict yet.
  submit(exercise, answer) {
    return attemptWrite(this.lesson.id, this.attempt, "answers", { exercise_id: exercise.id, ...answer });
  }

  // offline: the answer is kept, to be graded when the connection returns.
  savedOffline(feedback, pickedButton) {
    if (pickedButton) {
      pickedButton.classList.add("picked");
      append(pickedButton, h("span", { class: "visually-hidden" }, ` (${t("offline_choice_saved")})`));
    }
    feedback.className = "exercise-feedback saved-offline";
    feedback.dataset.state = "saved-offline";
    feedback.textContent = t("offline_saved");
    this.offerContinue();
  }

  show(index) {
    this.stopCamera();
    this.index = index;
    const exercises = this.lesson.exercises;
    if (index >= exercises.length) {
      this.complete();
      return;
    }
    const exercise = exercises[index];
    clear(this.stage);
    const counter = t("exercise_of", { n: index + 1, total: exercises.length });
    append(clear(this.page), 
      this.heading(),
      h(
        "div",
        { class: "exercise-progress" },
        h("span", { id: "exercise-counter" }, counter),
        h("progress", { max: exercises.length, value: index, "aria-labelledby": "exercise-counter" }),
      ),
      this.stage,
    );
    const render = {
      watch_choose_meaning: () => this.chooseMeaning(exercise),
      meaning_choose_video: () => this.chooseVideo(exercise),
      fingerspell: () => this.fingerspell(exercise),
      perform_sign: () => this.perform(exercise),
    }[exercise.kind];
    this.stage.dataset.kind = exercise.kind;
    render();
    window.scrollTo(0, 0); // mobile: each exercise starts at the top of the screen, where it fits whole
    const first = this.stage.querySelector("h2");
    if (first) {
      first.tabIndex = -1;
      first.focus({ preventScroll: true });
    }
  }

  prompt(exercise, fallback) {
    return h("h2", { class: "prompt" }, pick(exercise, "prompt") || fallback);
  }

  feedbackBox() {
    return h("div", { class: "exercise-feedback", role: "status", "aria-live": "polite", dataset: { testid: "feedback" } });
  }

  continueButton(label = t("continue")) {
    const last = this.index + 1 >= this.lesson.exercises.length;
    const button = h(
      "button",
      { type: "button", class: "button primary", dataset: { testid: "continue" } },
      last ? t("finish") : label,
    );
    button.addEventListener("click", () => this.show(this.index + 1));
    return button;
  }

  // Shows the server's verdict (text as well as colour) and offers to continue.
  verdict(feedback, correct, answerText) {
    feedback.className = `exercise-feedback ${correct ? "right" : "wrong"}`;
    feedback.textContent = correct ? t("correct") : t("incorrect", { answer: answerText });
    this.offerContinue();
  }

  offerContinue() {
    const next = this.continueButton();
    append(this.stage, next);
    next.focus();
  }

  // The answer could not be graded (no connection, the server busy): say so, and let the learner try again.
  failed(feedback, error) {
    feedback.className = "exercise-feedback";
    clear(feedback);
    append(feedback, h("span", { class: "error", role: "alert" }, errorText(error)));
  }

  choiceButtons(buttons, label) {
    return h("div", { class: "choices", role: "group", "aria-label": label }, buttons);
  }

  setDisabled(buttons, disabled) {
    for (const button of buttons) {
      button.disabled = disabled;
      if (disabled) button.setAttribute("aria-disabled", "true");
      else button.removeAttribute("aria-disabled");
    }
  }

  markChoices(rightButton, pickedButton) {
    if (rightButton) {
      rightButton.classList.add("right");
      append(rightButton, h("span", { class: "mark" }, " ✓"));
    }
    if (pickedButton !== rightButton) {
      pickedButton.classList.add("wrong");
      append(pickedButton, h("span", { class: "mark" }, " ✗"));
    }
  }

  // A choice exercise: the buttons are locked while the server grades the pick; its verdict marks the right one.
  // onVerdict(verdict, buttons) adds what the kind of exercise shows beside it; answerText(verdict, buttons) is
  // the right answer in words.
  choose(exercise, buttons, feedback, { onVerdict = () => {}, answerText }) {
    for (const button of buttons) {
      button.addEventListener("click", async () => {
        this.setDisabled(buttons, true);
        let verdict;
        try {
          verdict = await this.submit(exercise, { option_id: button.dataset.choiceId });
        } catch (error) {
          this.failed(feedback, error);
          this.setDisabled(buttons, false);
          return;
        }
        if (verdict.offline) {
          this.savedOffline(feedback, button);
          return;
        }
        const right = buttons.find((b) => b.dataset.choiceId === verdict.correct_answer.option_id);
        this.markChoices(right, button);
        onVerdict(verdict, buttons);
        this.verdict(feedback, verdict.correct, answerText(verdict, buttons, right));
      });
    }
  }

  chooseMeaning(exercise) {
    const feedback = this.feedbackBox();
    const buttons = this.ordered(exercise).map((choice) =>
      h("button", { type: "button", class: "choice", dataset: { choiceId: choice.id } }, pick(choice, "meaning")),
    );
    this.choose(exercise, buttons, feedback, { answerText: (verdict) => pick(verdict.correct_answer, "meaning") });
    // The sign's text would give the answer away; it is asked for, so the alt text says what to do instead.
    const watched = { gloss: "", meaning_es: "", meaning_en: "", media: exercise.media };
    append(this.stage, 
      this.prompt(exercise, t("choose_meaning")),
      signMedia(watched, { caption: false, alt: t("choose_meaning") }),
      this.choiceButtons(buttons, pick(exercise, "prompt") || t("choose_meaning")),
      feedback,
    );
  }

  chooseVideo(exercise) {
    const feedback = this.feedbackBox();
    const choices = this.ordered(exercise);
    const buttons = choices.map((choice, i) =>
      h(
        "button",
        { type: "button", class: "choice choice-media", dataset: { choiceId: choice.id } },
        choiceMedia(choice),
        h("span", { class: "choice-label" }, t("option", { n: i + 1 })),
      ),
    );
    this.choose(exercise, buttons, feedback, {
      // Now that it is answered, every option shows its sign's text (the server says which sign each one was).
      onVerdict: (verdict) => {
        const texts = new Map((verdict.correct_answer.options || []).map((option) => [option.option_id, option]));
        for (const button of buttons) {
          const option = texts.get(button.dataset.choiceId);
          if (option) append(button, h("span", { class: "choice-caption" }, `${option.gloss} — ${pick(option, "meaning")}`));
        }
      },
      answerText: (verdict, all, right) => t("option", { n: all.indexOf(right) + 1 }),
    });
    const meaning = pick(exercise, "meaning");
    append(this.stage, 
      this.prompt(exercise, t("choose_video", { meaning })),
      this.choiceButtons(buttons, pick(exercise, "prompt") || t("choose_video", { meaning })),
      demoNotice(choices),
      feedback,
    );
  }

  // Two ways to spell: choose each letter's sign among a few (works everywhere), or sign each letter in front of
  // the camera — a still photo per letter goes to the letter recogniser, and the letter counts once it is
  // recognised with enough confidence. Without a camera (or permission) the exercise stays with the choices.
  fingerspell(exercise) {
    const letters = exercise.letters;
    const feedback = this.feedbackBox();
    const step = h("div", { class: "fingerspell-step" });
    const spelled = h("p", { class: "spelled", "aria-live": "polite" });
    const cameraBox = h("div", { class: "fingerspell-camera" });
    const modeStatus = h("p", { class: "camera-status", role: "status", "aria-live": "polite", dataset: { testid: "fingerspell-mode" } });
    const useCamera = h("button", { type: "button", class: "button", dataset: { testid: "fingerspell-use-camera" } }, t("fs_use_camera"));
    const useChoices = h("button", { type: "button", class: "button ghost", hidden: true }, t("fs_use_choices"));
    /* --- live landmarks --- live recognition first where the browser can compute landmarks */
    const useLive = h("button", { type: "button", class: "button primary", dataset: { testid: "fingerspell-use-live" }, hidden: !liveSupport().ok }, t("fs_use_live"));
    let liveStep = null;
    /* --- end live landmarks --- */
    let position = 0;
    const spelledLetters = []; // what the learner spelled, letter by letter: what the server grades
    let mode = "choose";
    let shown = 0; // which rendering of the step is current: a pending advance of an older one is dropped
    const pool = new Map();
    for (const sign of this.lesson.signs) if (sign.media) pool.set(sign.id, { id: sign.id, gloss: sign.gloss, media: sign.media });
    for (const letter of letters) pool.set(letter.sign_id, { id: letter.sign_id, gloss: letter.letter, media: letter.media });

    const advance = (given, delay) => {
      const letter = letters[position];
      const right = sameLetter(given, letter.letter);
      spelledLetters.push(given);
      append(spelled, h("span", { class: right ? "right" : "wrong" }, letter.letter));
      position += 1;
      const expected = shown;
      setTimeout(() => {
        if (expected === shown && step.isConnected) showLetter();
      }, delay);
    };

    const finish = async () => {
      this.stopCamera();
      clear(cameraBox);
      useCamera.hidden = true;
      useChoices.hidden = true;
      useLive.hidden = true; /* --- live landmarks --- */
      modeStatus.textContent = "";
      feedback.textContent = t("working");
      for (;;) {
        try {
          const verdict = await this.submit(exercise, { letters: spelledLetters });
          if (verdict.offline) {
            this.savedOffline(feedback, null);
            return;
          }
          const correct = verdict.correct;
          feedback.className = `exercise-feedback ${correct ? "right" : "wrong"}`;
          feedback.textContent = `${t("fingerspell_done")} ${correct ? t("correct") : t("incorrect", { answer: verdict.correct_answer.letters.join(" ") })}`;
          this.offerContinue();
          return;
        } catch (error) {
          this.failed(feedback, error);
          const again = h("button", { type: "button", class: "button" }, t("fs_send_again"));
          append(feedback, " ", again);
          await new Promise((resolve) => again.addEventListener("click", resolve, { once: true }));
        }
      }
    };

    const letterLabel = () =>
      h("h3", { tabindex: -1 }, t("fingerspell_letter", { n: position + 1, total: letters.length, letter: letters[position].letter }));

    const chooseLetter = () => {
      const letter = letters[position];
      const others = shuffle([...pool.values()].filter((s) => s.id !== letter.sign_id && s.gloss !== letter.letter));
      const options = shuffle([{ id: letter.sign_id, gloss: letter.letter, media: letter.media }, ...others.slice(0, MAX_OPTIONS - 1)]);
      const buttons = options.map((option, i) =>
        h(
          "button",
          { type: "button", class: "choice choice-media", dataset: { choiceId: option.id } },
          choiceMedia(option),
          h("span", { class: "choice-label" }, t("option", { n: i + 1 })),
        ),
      );
      // The word is the prompt, so which sign spells each letter is no secret: the choice is marked at once.
      const right = buttons[options.findIndex((o) => o.id === letter.sign_id)];
      for (const [i, button] of buttons.entries()) {
        button.addEventListener("click", () => {
          this.setDisabled(buttons, true);
          this.markChoices(right, button);
          advance(options[i].gloss, button === right ? 400 : 1500);
        });
      }
      const label = letterLabel();
      append(step, label, this.choiceButtons(buttons, label.textContent), demoNotice(options));
      return label;
    };

    const cameraLetter = () => {
      const letter = letters[position];
      const label = letterLabel();
      const capture = h("button", { type: "button", class: "button primary", dataset: { testid: "fingerspell-capture" } }, t("fs_capture"));
      const skip = h("button", { type: "button", class: "button ghost", dataset: { testid: "fingerspell-skip-letter" } }, t("fs_skip_letter"));
      const result = h("div", { class: "fs-result", role: "status", "aria-live": "polite", dataset: { testid: "fingerspell-result" } });
      let settled = false;
      capture.addEventListener("click", async () => {
        if (settled || !this.camera) return;
        capture.disabled = true;
        skip.disabled = true;
        append(clear(result), h("p", {}, t("fs_recognising")));
        let recognised = null;
        let failure = null;
        try {
          recognised = await api("/ml/fingerspelling/recognise", { method: "POST", blob: await this.camera.still() });
        } catch (error) {
          failure = error;
        }
        if (!step.isConnected) return;
        clear(result);
        if (failure) {
          const noHand = failure instanceof ApiError && failure.code === "no_hands";
          append(
            result,
            h(
              "p",
              { class: "error", role: "alert", dataset: { testid: noHand ? "fingerspell-no-hand" : "fingerspell-error" } },
              noHand ? t("fs_no_hand") : errorText(failure),
            ),
          );
        } else {
          // "Not sure" (no letter clearly best, or a hand unlike any letter) names no letter at all; a server
          // without the field answers as before.
          const notSure = recognised.sure === false;
          const matches = !notSure && sameLetter(recognised.letter, letter.letter);
          const sure = recognised.confidence >= MIN_LETTER_CONFIDENCE;
          settled = matches && sure;
          const verdict = settled
            ? t("fs_match", { letter: letter.letter })
            : notSure
              ? t("fs_not_sure_retry")
              : matches
                ? t("fs_unsure", { letter: letter.letter })
                : t("fs_mismatch", { seen: recognised.letter, letter: letter.letter });
          append(result, recognition(recognised), h("p", { class: `verdict ${settled ? "right" : "wrong"}`, dataset: { testid: "fingerspell-verdict" } }, verdict));
        }
        if (settled) {
          advance(recognised.letter, 1200);
          return;
        }
        capture.textContent = t("fs_capture_again");
        capture.disabled = false;
        skip.disabled = false;
        capture.focus();
      });
      skip.addEventListener("click", () => {
        if (settled) return;
        settled = true;
        capture.disabled = true;
        skip.disabled = true;
        advance("", 0);
      });
      append(
        step,
        label,
        h("p", { class: "hint" }, t("fs_camera_hint", { letter: letter.letter })),
        h("div", { class: "camera-buttons" }, capture, skip),
        result,
      );
      return label;
    };

    /* --- live landmarks --- */
    const liveLetter = () => {
      const letter = letters[position];
      const label = letterLabel();
      const skip = h("button", { type: "button", class: "button ghost", dataset: { testid: "fingerspell-skip-letter" } }, t("fs_skip_letter"));
      const hand = (state.profile && state.profile.dominant_hand) || "right";
      liveStep = liveLetterStep({
        tracker: this.tracker,
        letter: letter.letter,
        dominantHand: hand,
        onSettled: (seen) => {
          skip.disabled = true;
          append(step, h("p", { class: "verdict right", dataset: { testid: "fingerspell-verdict" } }, t("fs_match", { letter: letter.letter })));
          advance(seen, 600);
        },
      });
      skip.addEventListener("click", () => {
        liveStep.stop();
        skip.disabled = true;
        advance("", 0);
      });
      append(step, label, h("p", { class: "hint" }, t("fs_live_hint", { letter: letter.letter })), liveStep.element, h("div", { class: "camera-buttons" }, skip));
      return label;
    };
    /* --- end live landmarks --- */

    const showLetter = () => {
      shown += 1;
      if (liveStep) liveStep.stop(); /* --- live landmarks --- */
      liveStep = null; /* --- live landmarks --- */
      clear(step);
      if (position >= letters.length) {
        finish();
        return;
      }
      const label = mode === "live" ? liveLetter() : mode === "camera" ? cameraLetter() : chooseLetter();
      if (position > 0) label.focus();
    };

    // The self-view camera in the exercise's box, replacing any other; whoever awaits checks it is still this.camera.
    const startCamera = async () => {
      modeStatus.textContent = t("fs_camera_starting");
      this.stopCamera();
      const camera = selfViewCamera();
      this.camera = camera;
      append(clear(cameraBox), camera.element);
      return { camera, outcome: await camera.turnOn() };
    };

    useCamera.addEventListener("click", async () => {
      useCamera.disabled = true;
      const { camera, outcome } = await startCamera();
      if (this.camera !== camera || !step.isConnected) return; // left the exercise meanwhile
      if (!outcome.ok) {
        // No camera, no permission, no camera API: carry on choosing the signs.
        this.stopCamera();
        clear(cameraBox);
        useCamera.disabled = false;
        modeStatus.textContent = t("fs_camera_fallback", { reason: cameraProblem(outcome.reason) });
        const first = step.querySelector("button");
        if (first) first.focus();
        return;
      }
      mode = "camera";
      useCamera.hidden = true;
      useLive.hidden = true; /* --- live landmarks --- */
      useChoices.hidden = false;
      modeStatus.textContent = t("fs_camera_ready");
      showLetter();
      const capture = step.querySelector("[data-testid='fingerspell-capture']");
      if (capture) capture.focus();
    });
    /* --- live landmarks --- the camera with the landmark engine; without the engine, the still-photo path */
    useLive.addEventListener("click", async () => {
      useLive.disabled = true;
      useCamera.disabled = true;
      const { camera, outcome } = await startCamera();
      if (this.camera !== camera || !step.isConnected) return;
      if (!outcome.ok) {
        this.stopCamera();
        clear(cameraBox);
        useLive.disabled = false;
        useCamera.disabled = false;
        modeStatus.textContent = t("fs_camera_fallback", { reason: cameraProblem(outcome.reason) });
        return;
      }
      const tracker = liveTracker(camera);
      this.tracker = tracker;
      append(cameraBox, tracker.hint);
      const live = await tracker.start();
      if (this.tracker !== tracker || !step.isConnected) return;
      mode = live.ok ? "live" : "camera";
      modeStatus.textContent = live.ok ? t("fs_live_ready") : `${t("fs_live_unavailable", { reason: reasonText(live.reason) })} ${t("fs_camera_ready")}`;
      useLive.hidden = true;
      useCamera.hidden = true;
      useChoices.hidden = false;
      showLetter();
    });
    /* --- end live landmarks --- */
    useChoices.addEventListener("click", () => {
      mode = "choose";
      this.stopCamera();
      clear(cameraBox);
      useChoices.hidden = true;
      useLive.hidden = !liveSupport().ok; /* --- live landmarks --- */
      useLive.disabled = false; /* --- live landmarks --- */
      useCamera.hidden = false;
      useCamera.disabled = false;
      modeStatus.textContent = "";
      showLetter();
      const first = step.querySelector("button");
      if (first) first.focus();
    });

    append(this.stage, 
      this.prompt(exercise, exercise.word),
      h("p", { class: "hint" }, t("fingerspell_lead", { word: exercise.word })),
      h("div", { class: "camera-buttons" }, useLive, useCamera, useChoices), /* useLive: live landmarks */
      modeStatus,
      spelled,
      cameraBox,
      step,
      feedback,
    );
    showLetter();
  }

  perform(exercise) {
    const target = exercise.sign;
    const feedback = this.feedbackBox();
    const skip = h("button", { type: "button", class: "button ghost", dataset: { testid: "skip" } }, t("perform_skip"));
    let settled = false;
    // The scored practice session is the answer: the server checks with the ML service that it is this learner's,
    // of this sign, made during the attempt, and takes its verdict from there.
    this.camera = cameraPractice({
      signId: target.id,
      lessonId: this.lesson.id,
      onResult: async (session) => {
        if (settled || session.status !== "scored") return;
        settled = true;
        skip.hidden = true;
        try {
          const verdict = await this.submit(exercise, { practice_session_id: session.session_id });
          this.verdict(feedback, verdict.correct, `${target.gloss} — ${pick(target, "meaning")}`);
        } catch (error) {
          this.failed(feedback, error);
          this.offerContinue();
        }
      },
    });
    skip.addEventListener("click", () => {
      if (settled) return;
      settled = true;
      this.skipped += 1;
      this.stopCamera();
      skip.hidden = true;
      feedback.textContent = t("perform_skipped");
      const next = this.continueButton();
      append(this.stage, next);
      next.focus();
    });
    append(this.stage, 
      this.prompt(exercise, t("perform_lead")),
      isOffline() ? h("p", { class: "notice" }, t("offline_perform_needs_network")) : null,
      signMedia(target),
      this.camera.element,
      h("p", {}, skip),
      feedback,
    );
  }

  // The server scores the attempt from its own verdicts; the page shows what it says.
  async complete() {
    append(clear(this.page), this.heading(), h("p", { role: "status" }, t("working")));
    let error = null;
    let score = null;
    try {
      const event = await attemptWrite(this.lesson.id, this.attempt, "complete");
      if (event.offline) {
        this.completedOffline();
        return;
      }
      this.xp = event.xp_awarded;
      score = event.score;
      setStats(event);
    } catch (failure) {
      error = failure;
    }
    const next = await this.nextLesson().catch(() => null);
    const title = h("h2", { tabindex: -1 }, t("lesson_complete"));
    append(clear(this.page), 
      this.heading(),
      h(
        "section",
        { class: "card lesson-result", dataset: { testid: "lesson-result" } },
        title,
        score === null ? null : h("p", {}, t("lesson_score", { score })),
        h("p", { class: "xp-gain" }, t("lesson_xp", { xp: this.xp })),
        error ? h("p", { class: "error", role: "alert" }, errorText(error)) : null,
        h(
          "p",
          { class: "actions" },
          h("a", { class: "button", href: "#/course" }, t("lesson_back")),
          next ? h("a", { class: "button primary", href: `#/lesson/${next.id}` }, t("lesson_next")) : null,
        ),
      ),
    );
    title.focus();
  }

  // offline: the attempt is kept whole; its score and XP come when the queue is sent (at once if the connection is
  // already back).
  completedOffline() {
    const title = h("h2", { tabindex: -1 }, t("offline_lesson_saved"));
    append(clear(this.page), 
      this.heading(),
      h(
        "section",
        { class: "card lesson-result saved-offline", dataset: { testid: "lesson-result", state: "saved-offline" } },
        title,
        h("p", {}, t("offline_lesson_saved_lead")),
        h("p", { class: "actions" }, h("a", { class: "button", href: "#/course" }, t("lesson_back"))),
      ),
    );
    title.focus();
    // When the queue is sent (now or later), the card shows what the server made of this lesson.
    const card = this.page.querySelector(".lesson-result");
    const onSent = (event) => {
      const done = event.detail.completions.find((item) => item && item.lesson_id === this.lesson.id);
      if (!done || !card.isConnected) return;
      document.removeEventListener("senas:offline-sent", onSent);
      const xp = done.replayed ? done.original_xp_awarded || 0 : done.xp_awarded;
      card.dataset.state = "sent";
      append(
        card,
        h("p", { role: "status" }, t("lesson_score", { score: done.score })),
        h("p", { class: "xp-gain" }, t("lesson_xp", { xp })),
      );
    };
    document.addEventListener("senas:offline-sent", onSent);
    sendQueued({ signedIn: isSignedIn, onCompleted: setStats });
  }

  async nextLesson() {
    const level = await api(`/content/levels/${encodeURIComponent(this.lesson.level_id)}`, { auth: false });
    const ordered = [...level.lessons].sort((a, b) => a.position - b.position);
    const here = ordered.findIndex((lesson) => lesson.id === this.lesson.id);
    return here >= 0 ? ordered[here + 1] || null : null;
  }
}

// Why the camera could not be used, in words (getUserMedia's error names otherwise).
function cameraProblem(reason) {
  const known = {
    NotAllowedError: t("camera_problem_denied"),
    SecurityError: t("camera_problem_denied"),
    NotFoundError: t("camera_problem_none"),
    OverconstrainedError: t("camera_problem_none"),
    NotReadableError: t("camera_problem_busy"),
    unsupported: t("camera_problem_unsupported"),
  };
  return known[reason] || reason;
}

// Letters compare without case; "ñ" stays apart from "n".
function sameLetter(a, b) {
  return String(a).toLocaleUpperCase("es") === String(b).toLocaleUpperCase("es");
}

function percent(value) {
  return new Intl.NumberFormat(lang() === "en" ? "en" : "es", { style: "percent", maximumFractionDigits: 0 }).format(value);
}

// What the recogniser saw: its letter and confidence — or that it is not sure, in its own words — then its three
// best guesses.
function recognition(recognised) {
  const notSure = recognised.sure === false;
  const said = lang() === "en" ? recognised.message_en : recognised.message_es;
  const head = notSure
    ? h("p", { class: "fs-not-sure", dataset: { testid: "fingerspell-not-sure" } }, said || t("fs_not_sure"))
    : h(
        "p",
        {},
        `${t("fs_recognised")} `,
        h("strong", { class: "fs-letter", dataset: { testid: "fingerspell-letter" } }, recognised.letter),
        ` (${t("fs_confidence", { value: percent(recognised.confidence) })})`,
      );
  return h(
    "div",
    { class: "fs-recognised", dataset: { testid: "fingerspell-recognised" } },
    head,
    h(
      "ol",
      { class: "fs-top3", "aria-label": t("fs_top3") },
      recognised.top3.map((guess) => h("li", {}, `${guess.letter} — ${percent(guess.confidence)}`)),
    ),
  );
}

function demoNotice(items) {
  const demo = items.find((item) => item.media && item.media.demo);
  return demo ? h("p", { class: "demo-label" }, pick(demo.media, "notice")) : null;
}
