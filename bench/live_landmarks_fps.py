"""In-browser landmark extraction benchmark (prints figures; asserts nothing) — issue 19.

Headless Debian Chromium (the tests' launch flags) with a fake camera playing a 640×480 clip made from a fixture
photo, on a page served by the web app's own routes (its CSP, the engine and models under /static/landmarks/).
In the page, the app's engine module (js/live/engine.js: @mediapipe/tasks-vision, CPU, VIDEO mode) runs:

1. extraction alone, back to back on the camera's frames: hands only; hands + body on every 3rd frame (the app's
   schedule, as the server's SENAS_ML_POSE_EVERY); hands + body on every frame — frames per second;
2. the app's live loop (js/live/tracker.js: one analysis per new camera frame, overlay drawn, brightness checked)
   for a few seconds — frames analysed per second of wall time (the fake camera sends 30 a second).

Run: .venv/bin/python bench/live_landmarks_fps.py [--frames 60] [--seconds 5]
(needs `make` — the engine, the hand and pose models — Chromium at /usr/bin/chromium, and ../shared/fixtures)
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The browser tests' own fake-camera clip and Chromium launch flags, so the figures are about the same setup.
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "web")]
from web_helpers import CHROMIUM, CHROMIUM_ARGS, CLIP_FPS, HANDS, letterbox, write_y4m  # noqa: E402

PHOTO = HANDS / "four" / "four-01.jpg"
FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]

MEASURE = """async ({frames, seconds}) => {
  const { loadEngine } = await import("/static/js/live/engine.js");
  const { liveTracker } = await import("/static/js/live/tracker.js");
  const started = performance.now();
  const outcome = await loadEngine();
  if (!outcome.ok) return { error: outcome.reason };
  const loadMs = performance.now() - started;
  const { hands, pose } = outcome.engine;
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  const video = document.createElement("video");
  video.muted = true;
  video.srcObject = stream;
  await video.play();
  let stamp = performance.now();
  const next = () => (stamp = Math.max(performance.now(), stamp + 1));
  function extract(poseEvery, n) {
    let seen = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i += 1) {
      const t = next();
      if (hands.detectForVideo(video, t).landmarks.length) seen += 1;
      if (poseEvery && pose && i % poseEvery === 0) pose.detectForVideo(video, t);
    }
    return { fps: n / ((performance.now() - t0) / 1000), handFrames: seen, frames: n };
  }
  extract(1, 5); // warm-up: first inferences allocate
  const handsOnly = extract(0, frames);
  const body3 = pose ? extract(3, frames) : null;
  const body1 = pose ? extract(1, frames) : null;
  const box = document.createElement("div");
  box.append(video);
  document.body.append(box);
  const tracker = liveTracker({ element: box, video });
  await tracker.start();
  let analysed = 0;
  tracker.listen(() => { analysed += 1; });
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  tracker.stop();
  for (const track of stream.getTracks()) track.stop();
  return { loadMs, handsOnly, body3, body1, live: analysed / seconds, pose: Boolean(pose),
           simd: typeof WebAssembly.validate === "function" };
}"""


def make_clip(path: Path, seconds: int = 3) -> Path:
    return write_y4m(path, [letterbox(PHOTO)] * (seconds * CLIP_FPS))


def serve_web_app() -> tuple[str, Any]:
    """The web app's routes alone (page, static files, the landmark engine and models), on a free port."""
    import uvicorn
    from starlette.applications import Starlette

    from senas.web.serving import web_routes

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    base = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=web_routes(base)), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return base, server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=60, help="frames per extraction measurement")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds of the live loop")
    args = parser.parse_args()
    if not PHOTO.is_file():
        print(f"fixture photo not found: {PHOTO}", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    base, server = serve_web_app()
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        clip = make_clip(Path(folder) / "hand.y4m")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[*CHROMIUM_ARGS, *FAKE_CAMERA, f"--use-file-for-fake-video-capture={clip}"],
            headless=True,
        )
        page = browser.new_page()
        errors: list[str] = []
        page.on(
            "console",
            lambda message: (
                errors.append(message.text) if message.type == "error" and "404" not in message.text else None
            ),
        )
        # The app's own page (its CSP applies). Only the web routes are served here, so its calls to the services
        # answer 404: that is the app's business, not the engine's, and those console lines are not counted.
        page.goto(f"{base}/")
        result = page.evaluate(MEASURE, {"frames": args.frames, "seconds": args.seconds})
        browser.close()
    server.should_exit = True
    if "error" in result:
        print(f"the engine did not load: {result['error']}", file=sys.stderr)
        return 1
    print(f"headless Chromium ({CHROMIUM}), CPU delegate, 640x480 fake camera, {os.cpu_count()} cores")
    print(f"engine load (WebAssembly compile + models): {result['loadMs'] / 1000:.1f} s")

    def line(name: str, item: dict[str, Any] | None) -> None:
        if item is None:
            print(f"{name:<34} (no pose model installed)")
            return
        print(f"{name:<34} {item['fps']:6.1f} frames/s   hand found in {item['handFrames']}/{item['frames']}")

    line("hands only", result["handsOnly"])
    line("hands + body every 3rd frame", result["body3"])
    line("hands + body every frame", result["body1"])
    print(f"{'live loop (overlay, hints)':<34} {result['live']:6.1f} frames analysed/s (camera sends 30/s)")
    if errors:
        print(f"console errors: {errors}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
