// The lessons a learner opened stay readable without a connection: the page puts each opened lesson's JSON and
// every media file it names in one cache, which the service worker (/sw.js) answers from when the network fails.
// The page does it rather than the worker because only the page knows which reads are lessons worth keeping, and
// a lesson's signed media URLs change with every read: the JSON and the media are stored together, and the
// previous copy's media are dropped when a lesson is stored again.

const CACHE = "senas-lessons";

function mediaUrls(lesson) {
  const urls = new Set();
  const add = (item) => {
    if (item && item.media && item.media.url) urls.add(new URL(item.media.url, location.href).href);
  };
  for (const sign of lesson.signs || []) add(sign);
  for (const exercise of lesson.exercises || []) {
    add(exercise);
    add(exercise.sign);
    for (const choice of exercise.choices || []) add(choice);
    for (const letter of exercise.letters || []) add(letter);
  }
  return [...urls].filter((url) => new URL(url).origin === location.origin);
}

export async function keepLesson(path, lesson) {
  if (!("caches" in globalThis)) return;
  const cache = await caches.open(CACHE);
  const url = new URL(path, location.href).href;
  const previous = await cache.match(url);
  const fresh = new Set(mediaUrls(lesson));
  if (previous) {
    try {
      for (const old of mediaUrls(await previous.json())) if (!fresh.has(old)) await cache.delete(old);
    } catch {
      // an unreadable old copy: overwritten below
    }
  }
  await Promise.all(
    [...fresh].map(async (media) => {
      if (await cache.match(media)) return;
      try {
        const response = await fetch(media);
        if (response.ok) await cache.put(media, response);
      } catch {
        // no connection right now: the lesson's text still works offline
      }
    }),
  );
  const body = JSON.stringify(lesson);
  await cache.put(url, new Response(body, { headers: { "Content-Type": "application/json" } }));
}

export async function isLessonKept(path) {
  if (!("caches" in globalThis)) return false;
  const cache = await caches.open(CACHE);
  return Boolean(await cache.match(new URL(path, location.href).href));
}

// The lessons kept for offline use ({id, title_es, title_en}), in the order they were opened.
export async function keptLessons() {
  if (!("caches" in globalThis)) return [];
  const cache = await caches.open(CACHE);
  const lessons = [];
  for (const request of await cache.keys()) {
    if (!new URL(request.url).pathname.startsWith("/content/lessons/")) continue;
    const response = await cache.match(request);
    try {
      const lesson = await response.json();
      lessons.push({ id: lesson.id, title_es: lesson.title_es, title_en: lesson.title_en });
    } catch {
      // not a lesson's JSON: skipped
    }
  }
  return lessons;
}

// Signing out forgets what this learner opened (the next person on the device starts clean).
export async function forgetLessons() {
  if ("caches" in globalThis) await caches.delete(CACHE);
}
