// Texts of the installable, offline-capable and phone-first app (Spanish first), merged into i18n's dictionaries.

import { addTexts } from "../i18n.js";

export const TEXTS = {
  es: {
    offline_banner: "Sin conexión. Puedes seguir con las lecciones que abriste: tus respuestas se guardan y se envían al volver la conexión.",
    offline_pending: "Pendientes de enviar: {n}",
    offline_saved: "Guardado sin conexión. Se enviará al volver la conexión.",
    offline_choice_saved: "Tu respuesta",
    offline_lesson_saved: "Lección guardada sin conexión",
    offline_lesson_saved_lead: "Tus respuestas se enviarán en cuanto vuelva la conexión; entonces verás tu puntuación y tu XP.",
    offline_perform_needs_network: "Practicar con la cámara necesita conexión. Puedes saltar este ejercicio.",
    offline_sent_title: "Resultados enviados",
    offline_sent_body: "Se enviaron {n} respuestas guardadas sin conexión. XP ganada: {xp}.",
    offline_dropped: "{n} respuestas guardadas sin conexión no se pudieron contar (el intento caducó).",
    offline_unavailable: "Esta página necesita conexión. Las lecciones que abriste siguen disponibles.",
    offline_title: "Sin conexión",
    offline_kept: "Lecciones disponibles sin conexión",
    offline_kept_none: "Todavía no abriste ninguna lección con conexión: ábrela una vez y quedará disponible.",
  },
  en: {
    offline_banner: "You are offline. You can go on with the lessons you opened: your answers are saved and sent when the connection returns.",
    offline_pending: "Waiting to be sent: {n}",
    offline_saved: "Saved offline. It will be sent when the connection returns.",
    offline_choice_saved: "Your answer",
    offline_lesson_saved: "Lesson saved offline",
    offline_lesson_saved_lead: "Your answers will be sent as soon as the connection returns; then you will see your score and XP.",
    offline_perform_needs_network: "Practising on camera needs a connection. You can skip this exercise.",
    offline_sent_title: "Results sent",
    offline_sent_body: "{n} answers saved offline were sent. XP earned: {xp}.",
    offline_dropped: "{n} answers saved offline could not be counted (the attempt expired).",
    offline_unavailable: "This page needs a connection. The lessons you opened are still available.",
    offline_title: "Offline",
    offline_kept: "Lessons available offline",
    offline_kept_none: "You have not opened any lesson with a connection yet: open one once and it stays available.",
  },
};

addTexts(TEXTS);
