// MediaPipe's 21-point hand, as the overlays draw it: the wrist (0), then four points per finger from the thumb to
// the little finger. Each finger runs from its base (the thumb from the wrist); the palm closes the knuckles.
export const FINGERS = [
  [0, 1, 2, 3, 4],
  [5, 6, 7, 8],
  [9, 10, 11, 12],
  [13, 14, 15, 16],
  [17, 18, 19, 20],
];
export const PALM = [0, 5, 9, 13, 17, 0];

// Every bone once, as [from, to] pairs.
export const BONES = [...FINGERS, PALM].flatMap((path) => path.slice(1).map((point, i) => [path[i], point]));
