// Interface texts, Spanish first. Content from the services carries its own *_es / *_en fields (see pick()).

const DICT = {
  es: {
    skip: "Saltar al contenido",
    nav_label: "Principal",
    footer_api: "API para desarrolladores:",
    switch_to: "English",
    switch_label: "Switch the interface to English",
    loading: "Cargando…",
    error_generic: "Algo salió mal. Inténtalo de nuevo.",
    error_network: "No hay conexión con el servidor.",
    nav_course: "Curso",
    nav_review: "Repaso",
    nav_dictionary: "Diccionario",
    nav_achievements: "Logros",
    nav_profile: "Perfil",
    nav_login: "Entrar",
    nav_signup: "Crear cuenta",
    nav_logout: "Salir",
    stats_label: "Tu progreso",
    stats_xp: "{xp} XP",
    stats_streak: "Racha: {n} días",
    stats_streak_one: "Racha: 1 día",
    stats_goal: "Meta diaria: {today}/{goal} XP",
    // landing
    welcome_title: "Aprende lengua de señas, seña a seña",
    welcome_lead:
      "Lecciones cortas, ejercicios y práctica frente a la cámara que te dice qué corregir: configuración de la mano, ubicación y movimiento.",
    welcome_start: "Crear cuenta gratis",
    welcome_login: "Ya tengo cuenta",
    welcome_dictionary: "Explorar el diccionario",
    // auth
    signup_title: "Crear cuenta",
    login_title: "Entrar",
    email: "Correo electrónico",
    password: "Contraseña",
    password_hint: "Al menos 8 caracteres, difícil de adivinar.",
    display_name: "Nombre visible",
    sign_language: "Lengua de señas",
    dominant_hand: "Mano dominante",
    hand_right: "Derecha",
    hand_left: "Izquierda",
    daily_goal: "Meta diaria",
    goal_option: "{xp} XP al día",
    signup_submit: "Crear cuenta",
    login_submit: "Entrar",
    have_account: "¿Ya tienes cuenta? Entra",
    no_account: "¿No tienes cuenta? Créala",
    mfa_title: "Verificación en dos pasos",
    mfa_code: "Código de 6 dígitos de tu app de autenticación",
    mfa_submit: "Verificar",
    mfa_setup_lead:
      "Tu cuenta necesita verificación en dos pasos. Añade esta clave a tu app de autenticación y escribe el código que muestra.",
    mfa_secret: "Clave",
    mfa_uri: "Enlace otpauth",
    working: "Un momento…",
    // course
    course_title: "Tu curso",
    course_no_language: "Todavía no hay curso para esta lengua de señas. Elige otra en tu perfil.",
    level_progress: "{done} de {total} lecciones",
    level_locked: "Nivel bloqueado: completa el nivel anterior.",
    lesson_done: "Completada",
    lesson_available: "Disponible",
    lesson_locked: "Bloqueada",
    lesson_locked_hint: "Completa la lección anterior para desbloquearla.",
    lesson_start: "Empezar",
    lesson_again: "Repetir",
    // lesson
    lesson_learn: "Aprende las señas",
    lesson_learn_lead: "Mira cada seña. Puedes ralentizarla, repetirla en bucle o verla en espejo.",
    lesson_begin: "Empezar los ejercicios",
    exercise_of: "Ejercicio {n} de {total}",
    choose_meaning: "¿Qué significa esta seña?",
    choose_video: "Elige la seña de: {meaning}",
    option: "Opción {n}",
    correct: "¡Correcto!",
    incorrect: "No es correcto. La respuesta era: {answer}",
    continue: "Continuar",
    finish: "Terminar la lección",
    fingerspell_lead: "Deletrea «{word}»: elige la seña de cada letra, en orden.",
    fingerspell_letter: "Letra {n} de {total}: «{letter}»",
    fingerspell_done: "Deletreo completo.",
    perform_lead: "Haz la seña frente a la cámara.",
    perform_skip: "Saltar (sin cámara)",
    perform_skipped: "Ejercicio saltado: no cuenta para la nota.",
    lesson_complete: "¡Lección completada!",
    lesson_score: "Aciertos: {score} %",
    lesson_xp: "+{xp} XP en esta lección",
    lesson_back: "Volver al curso",
    lesson_next: "Siguiente lección",
    // sign media
    media_controls: "Controles de la seña",
    media_speed: "Velocidad",
    media_loop: "Repetir en bucle",
    media_mirror: "Espejo",
    media_play: "Reproducir",
    media_pause: "Pausar",
    media_none: "Esta seña todavía no tiene video.",
    media_alt: "Seña «{gloss}»: {meaning}",
    media_choice_alt: "Opción {n}: animación de una seña",
    media_demo_note: "Estas señas son animaciones de demostración: también puedes ralentizarlas, repetirlas en bucle o verlas en espejo.",
    // camera
    camera_title: "Práctica con cámara",
    camera_lead:
      "Te ves en espejo, como en un espejo de verdad; el video se envía sin espejo. Graba unos segundos haciendo la seña.",
    camera_enable: "Activar la cámara",
    camera_off: "Cámara apagada",
    camera_record: "Grabar 3 segundos",
    camera_stop: "Detener",
    camera_retry: "Intentar de nuevo",
    camera_selfview: "Tu cámara (vista en espejo)",
    camera_ready: "Cámara lista.",
    camera_denied: "No se pudo usar la cámara: {reason}",
    camera_unsupported: "Este navegador no puede grabar video.",
    camera_countdown: "Empieza en {n}…",
    camera_recording: "Grabando…",
    camera_uploading: "Subiendo tu video…",
    status_awaiting_upload: "Esperando el video…",
    status_queued: "En cola para analizar…",
    status_processing: "Analizando tu seña…",
    status_scored: "¡Listo!",
    status_failed: "No se pudo puntuar.",
    camera_timeout: "El análisis está tardando demasiado. Inténtalo de nuevo.",
    score: "Puntuación",
    score_of: "{score} de 100",
    passed: "¡Superado!",
    not_passed: "Todavía no: sigue practicando.",
    to_fix: "Qué corregir",
    all_good: "Nada que corregir. ¡Muy bien!",
    param_handshape: "Configuración de la mano",
    param_location: "Ubicación",
    param_movement: "Movimiento",
    param_hand: "Mano",
    fb_ok: "Bien",
    fb_almost: "Casi",
    fb_fix: "Corregir",
    practice_title: "Practica «{gloss}»",
    practice_reference: "Seña de referencia",
    // review
    review_title: "Repaso",
    review_empty: "No tienes señas pendientes de repaso. ¡Vuelve más tarde!",
    review_count: "Seña {n} de {total}",
    review_what_means: "¿Qué significa esta seña?",
    review_which_sign: "¿Cómo se hace la seña de «{meaning}»?",
    review_show: "Mostrar la respuesta",
    review_rate: "¿Qué tal la recordabas?",
    rate_again: "Otra vez",
    rate_hard: "Difícil",
    rate_good: "Bien",
    rate_easy: "Fácil",
    review_done: "¡Repaso terminado!",
    // dictionary
    dictionary_title: "Diccionario",
    dictionary_search: "Buscar una seña",
    dictionary_hint: "Busca por glosa, significado o categoría; no hace falta escribir tildes.",
    dictionary_submit: "Buscar",
    dictionary_results: "{total} resultados",
    dictionary_none: "No hay señas que coincidan.",
    previous: "Anterior",
    next: "Siguiente",
    page_of: "Página {page} de {pages}",
    category: "Categoría",
    handshape: "Configuración",
    sign_practice: "Practicar con la cámara",
    sign_title: "Seña «{gloss}»",
    // profile
    profile_title: "Perfil y ajustes",
    timezone: "Zona horaria",
    interface_language: "Idioma de la interfaz",
    save: "Guardar",
    saved: "Cambios guardados.",
    mfa_section: "Verificación en dos pasos (MFA)",
    mfa_enable: "Activar la verificación en dos pasos",
    mfa_enabled: "Verificación en dos pasos activada.",
    mfa_confirm: "Confirmar",
    logout: "Cerrar sesión",
    // achievements
    achievements_title: "Logros",
    achievement_earned: "Conseguido el {date}",
    achievement_locked: "Por conseguir",
    notification_close: "Cerrar aviso",
    not_found: "No encontramos esta página.",
    login_needed: "Entra para continuar.",
  },
  en: {
    skip: "Skip to content",
    nav_label: "Main",
    footer_api: "Developer API:",
    switch_to: "Español",
    switch_label: "Cambiar la interfaz a español",
    loading: "Loading…",
    error_generic: "Something went wrong. Please try again.",
    error_network: "Cannot reach the server.",
    nav_course: "Course",
    nav_review: "Review",
    nav_dictionary: "Dictionary",
    nav_achievements: "Achievements",
    nav_profile: "Profile",
    nav_login: "Log in",
    nav_signup: "Sign up",
    nav_logout: "Log out",
    stats_label: "Your progress",
    stats_xp: "{xp} XP",
    stats_streak: "Streak: {n} days",
    stats_streak_one: "Streak: 1 day",
    stats_goal: "Daily goal: {today}/{goal} XP",
    welcome_title: "Learn sign language, one sign at a time",
    welcome_lead:
      "Short lessons, exercises and camera practice that tells you what to fix: handshape, location and movement.",
    welcome_start: "Create a free account",
    welcome_login: "I already have an account",
    welcome_dictionary: "Browse the dictionary",
    signup_title: "Create an account",
    login_title: "Log in",
    email: "Email",
    password: "Password",
    password_hint: "At least 8 characters, hard to guess.",
    display_name: "Display name",
    sign_language: "Sign language",
    dominant_hand: "Dominant hand",
    hand_right: "Right",
    hand_left: "Left",
    daily_goal: "Daily goal",
    goal_option: "{xp} XP a day",
    signup_submit: "Create account",
    login_submit: "Log in",
    have_account: "Already have an account? Log in",
    no_account: "No account yet? Create one",
    mfa_title: "Two-step verification",
    mfa_code: "6-digit code from your authenticator app",
    mfa_submit: "Verify",
    mfa_setup_lead:
      "Your account needs two-step verification. Add this key to your authenticator app and type the code it shows.",
    mfa_secret: "Key",
    mfa_uri: "otpauth link",
    working: "One moment…",
    course_title: "Your course",
    course_no_language: "There is no course for this sign language yet. Choose another one in your profile.",
    level_progress: "{done} of {total} lessons",
    level_locked: "Level locked: complete the previous level.",
    lesson_done: "Completed",
    lesson_available: "Available",
    lesson_locked: "Locked",
    lesson_locked_hint: "Complete the previous lesson to unlock it.",
    lesson_start: "Start",
    lesson_again: "Replay",
    lesson_learn: "Learn the signs",
    lesson_learn_lead: "Watch each sign. You can slow it down, loop it or mirror it.",
    lesson_begin: "Start the exercises",
    exercise_of: "Exercise {n} of {total}",
    choose_meaning: "What does this sign mean?",
    choose_video: "Choose the sign for: {meaning}",
    option: "Option {n}",
    correct: "Correct!",
    incorrect: "Not quite. The answer was: {answer}",
    continue: "Continue",
    finish: "Finish the lesson",
    fingerspell_lead: "Fingerspell “{word}”: choose the sign of each letter, in order.",
    fingerspell_letter: "Letter {n} of {total}: “{letter}”",
    fingerspell_done: "Spelling complete.",
    perform_lead: "Perform the sign in front of the camera.",
    perform_skip: "Skip (no camera)",
    perform_skipped: "Exercise skipped: it does not count towards the score.",
    lesson_complete: "Lesson complete!",
    lesson_score: "Correct answers: {score}%",
    lesson_xp: "+{xp} XP in this lesson",
    lesson_back: "Back to the course",
    lesson_next: "Next lesson",
    media_controls: "Sign controls",
    media_speed: "Speed",
    media_loop: "Loop",
    media_mirror: "Mirror",
    media_play: "Play",
    media_pause: "Pause",
    media_none: "This sign has no video yet.",
    media_alt: "Sign “{gloss}”: {meaning}",
    media_choice_alt: "Option {n}: animation of a sign",
    media_demo_note: "These signs are demo animations: you can slow them down, loop them or mirror them too.",
    camera_title: "Camera practice",
    camera_lead:
      "You see yourself mirrored, like in a real mirror; the video is sent unmirrored. Record a few seconds performing the sign.",
    camera_enable: "Turn on the camera",
    camera_off: "Camera off",
    camera_record: "Record 3 seconds",
    camera_stop: "Stop",
    camera_retry: "Try again",
    camera_selfview: "Your camera (mirrored view)",
    camera_ready: "Camera ready.",
    camera_denied: "Could not use the camera: {reason}",
    camera_unsupported: "This browser cannot record video.",
    camera_countdown: "Starting in {n}…",
    camera_recording: "Recording…",
    camera_uploading: "Uploading your video…",
    status_awaiting_upload: "Waiting for the video…",
    status_queued: "Queued for analysis…",
    status_processing: "Analysing your sign…",
    status_scored: "Done!",
    status_failed: "Could not be scored.",
    camera_timeout: "The analysis is taking too long. Please try again.",
    score: "Score",
    score_of: "{score} out of 100",
    passed: "Passed!",
    not_passed: "Not yet: keep practising.",
    to_fix: "What to fix",
    all_good: "Nothing to fix. Well done!",
    param_handshape: "Handshape",
    param_location: "Location",
    param_movement: "Movement",
    param_hand: "Hand",
    fb_ok: "Good",
    fb_almost: "Almost",
    fb_fix: "Fix",
    practice_title: "Practise “{gloss}”",
    practice_reference: "Reference sign",
    review_title: "Review",
    review_empty: "No signs are due for review. Come back later!",
    review_count: "Sign {n} of {total}",
    review_what_means: "What does this sign mean?",
    review_which_sign: "How do you sign “{meaning}”?",
    review_show: "Show the answer",
    review_rate: "How well did you remember it?",
    rate_again: "Again",
    rate_hard: "Hard",
    rate_good: "Good",
    rate_easy: "Easy",
    review_done: "Review finished!",
    dictionary_title: "Dictionary",
    dictionary_search: "Search for a sign",
    dictionary_hint: "Search by gloss, meaning or category; accents are optional.",
    dictionary_submit: "Search",
    dictionary_results: "{total} results",
    dictionary_none: "No signs match.",
    previous: "Previous",
    next: "Next",
    page_of: "Page {page} of {pages}",
    category: "Category",
    handshape: "Handshape",
    sign_practice: "Practise on camera",
    sign_title: "Sign “{gloss}”",
    profile_title: "Profile and settings",
    timezone: "Time zone",
    interface_language: "Interface language",
    save: "Save",
    saved: "Changes saved.",
    mfa_section: "Two-step verification (MFA)",
    mfa_enable: "Turn on two-step verification",
    mfa_enabled: "Two-step verification is on.",
    mfa_confirm: "Confirm",
    logout: "Log out",
    achievements_title: "Achievements",
    achievement_earned: "Earned on {date}",
    achievement_locked: "Not earned yet",
    notification_close: "Close notice",
    not_found: "We could not find this page.",
    login_needed: "Log in to continue.",
  },
};

const STORAGE_KEY = "senas.lang";
let current = readStored();

function readStored() {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return stored === "en" || stored === "es" ? stored : "es";
  } catch {
    return "es";
  }
}

export function lang() {
  return current;
}

export function t(key, vars = {}) {
  const text = DICT[current][key] ?? DICT.es[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

// A field of server content in the interface language: pick(sign, "meaning") reads meaning_es or meaning_en.
export function pick(item, base) {
  if (!item) return "";
  return item[`${base}_${current}`] || item[`${base}_es`] || item[`${base}_en`] || "";
}

// The services write user-facing messages as "español / English"; show the half in the interface language.
export function localise(message) {
  if (typeof message !== "string") return t("error_generic");
  const halves = message.split(" / ");
  if (halves.length === 2) return current === "en" ? halves[1] : halves[0];
  return message;
}

export function setLang(next) {
  if (next !== "es" && next !== "en") return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // private mode: the choice lasts for this page only
  }
  applyStatic();
  document.dispatchEvent(new CustomEvent("senas:lang", { detail: next }));
}

// Texts of index.html itself (skip link, footer, switch button) and the page's lang attribute.
export function applyStatic() {
  document.documentElement.lang = current;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  const button = document.getElementById("lang-switch");
  if (button) {
    button.textContent = t("switch_to");
    button.setAttribute("lang", current === "es" ? "en" : "es");
    button.setAttribute("aria-label", t("switch_label"));
  }
}

export function formatDate(iso) {
  try {
    return new Date(iso).toLocaleDateString(current === "en" ? "en-GB" : "es-ES", {
      year: "numeric",
      month: "long",
      day: "numeric",
    });
  } catch {
    return iso;
  }
}
