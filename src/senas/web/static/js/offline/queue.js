// Writes made without a connection, kept in IndexedDB until they can be sent — each with the idempotency key it
// was made with, so sending one twice (a reply lost on the way back, two tabs flushing) counts once on the server.
//
// A record: {id, user, group, path, method, body, key, start, attempt, queuedAt}. Records of one group are one
// lesson attempt played offline, sent in the order they were made: the attempt's start (when it was started offline
// it has no server id yet: `start: true`, and the others name it as ":attempt" in their paths until the server's
// answer gives the id), its answers, its completion. Records are tagged with the learner who made them: only that
// learner's session sends them, and signing out deletes them.

import { api, ApiError } from "../api.js";

const DB_NAME = "senas-offline";
const STORE = "writes";
const ATTEMPT = ":attempt";

let opening = null;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function database() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = () => {
        const store = open.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
        store.createIndex("user", "user");
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    }).catch((error) => {
      opening = null;
      throw error;
    });
  }
  return opening;
}

async function withStore(mode, work) {
  const db = await database();
  const tx = db.transaction(STORE, mode);
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
  const result = await work(tx.objectStore(STORE));
  await done;
  return result;
}

export function queueWrite(record) {
  const entry = { start: false, attempt: null, body: undefined, ...record, queuedAt: new Date().toISOString() };
  if (!entry.user || !entry.group || !entry.path || !entry.key) throw new Error("a queued write needs user, group, path and key");
  return withStore("readwrite", (store) => request(store.add(entry)));
}

export function pendingWrites(user) {
  if (!user) return Promise.resolve([]);
  return withStore("readonly", (store) => request(store.index("user").getAll(user))).then((rows) =>
    rows.sort((a, b) => a.id - b.id),
  );
}

export async function forgetWrites(user) {
  const rows = await pendingWrites(user);
  if (!rows.length) return;
  await withStore("readwrite", async (store) => {
    for (const row of rows) store.delete(row.id);
  });
}

function remove(id) {
  return withStore("readwrite", (store) => request(store.delete(id)));
}

// The server's attempt id, once known, goes into every record of the group (a later flush needs it even after the
// start record is gone).
function nameAttempt(user, group, attempt) {
  return withStore("readwrite", async (store) => {
    const rows = await request(store.index("user").getAll(user));
    for (const row of rows) {
      if (row.group === group) store.put({ ...row, attempt });
    }
  });
}

// Worth trying again later: no connection, the session to renew, the write budget or the server busy.
function transient(error) {
  return !(error instanceof ApiError) || [0, 401, 403, 408, 429].includes(error.status) || error.status >= 500;
}

let flushing = null;

// Sends the learner's queued writes in order. Resolves to {sent, dropped, completions: [answers of …/complete]};
// stops at the first failure worth retrying (the rest wait for the next flush). A write the server refuses for
// good (an attempt that expired meanwhile, say) is dropped and counted, so one bad record cannot block the others.
export function flushWrites(user) {
  if (flushing) return flushing;
  flushing = (async () => {
    const outcome = { sent: 0, dropped: 0, completions: [], remaining: 0 };
    const rows = await pendingWrites(user);
    const attempts = new Map();
    for (const row of rows) {
      const attempt = attempts.get(row.group) || row.attempt;
      if (row.path.includes(ATTEMPT) && !attempt) {
        // Its start was refused for good: nothing of this attempt can be sent.
        await remove(row.id);
        outcome.dropped += 1;
        continue;
      }
      let answer;
      try {
        answer = await api(row.path.replace(ATTEMPT, encodeURIComponent(attempt || "")), {
          method: row.method,
          body: row.body,
          idempotencyKey: row.key,
        });
      } catch (error) {
        if (transient(error)) break;
        await remove(row.id);
        outcome.dropped += 1;
        continue;
      }
      if (row.start && answer && answer.attempt_id) {
        attempts.set(row.group, answer.attempt_id);
        await nameAttempt(user, row.group, answer.attempt_id);
      }
      if (row.path.endsWith("/complete")) outcome.completions.push(answer);
      await remove(row.id);
      outcome.sent += 1;
    }
    outcome.remaining = (await pendingWrites(user)).length;
    return outcome;
  })().finally(() => {
    flushing = null;
  });
  return flushing;
}
