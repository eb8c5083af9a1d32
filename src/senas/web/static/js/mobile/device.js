// What the device asks for. `prefers-reduced-motion`: sign animations and videos start paused (the learner plays
// them with the play button); the styles stop transitions and animations of their own.

const REDUCED_MOTION = "(prefers-reduced-motion: reduce)";

export function reducedMotion() {
  return Boolean(globalThis.matchMedia && matchMedia(REDUCED_MOTION).matches);
}
