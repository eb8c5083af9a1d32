// A lesson attempt that carries on without a connection. Every write of an attempt (start, answers, completion)
// gets its idempotency key when it is made; when the network fails it is queued with that key (offline/queue.js)
// instead of lost, and the lesson goes on showing "saved offline" instead of the server's verdict. Once one write
// of an attempt is queued, the later ones are queued behind it: they must reach the server in order (an answer to
// an attempt the server has not seen started would be refused, a completion sent before its answers would score
// nothing).

import { api, newIdempotencyKey } from "../api.js";
import { isNetworkFailure, queueForLater } from "./connection.js";

const ATTEMPT = ":attempt"; // stands for the server's id in the paths of an attempt started offline

function attemptsPath(lessonId) {
  return `/users/me/lessons/${encodeURIComponent(lessonId)}/attempts`;
}

// {attempt_id, exercises, group, offline}: the server's attempt, or one started offline (no id, no order of the
// choices from the server: the lesson's own order serves).
export async function startAttempt(lessonId) {
  const group = newIdempotencyKey();
  const key = newIdempotencyKey();
  const path = attemptsPath(lessonId);
  try {
    const attempt = await api(path, { method: "POST", idempotencyKey: key });
    return { ...attempt, group, offline: false };
  } catch (error) {
    if (!isNetworkFailure(error)) throw error;
    if (!(await queueForLater({ group, path, method: "POST", key, start: true }))) throw error;
    return { attempt_id: null, exercises: [], group, offline: true };
  }
}

// One write of the attempt ("answers" with a body, or "complete"): the server's answer, or {offline: true} once it
// is queued.
export async function attemptWrite(lessonId, attempt, step, body) {
  const key = newIdempotencyKey();
  const id = attempt.attempt_id ? encodeURIComponent(attempt.attempt_id) : ATTEMPT;
  const path = `${attemptsPath(lessonId)}/${id}/${step}`;
  let failure = null;
  if (!attempt.offline) {
    try {
      return await api(path, { method: "POST", body, idempotencyKey: key });
    } catch (error) {
      if (!isNetworkFailure(error)) throw error;
      failure = error;
    }
  }
  const record = { group: attempt.group, path, method: "POST", body, key, attempt: attempt.attempt_id };
  if (!(await queueForLater(record))) throw failure || new Error("offline queue unavailable");
  attempt.offline = true;
  return { offline: true };
}
