// The landmark engine on the device: MediaPipe Tasks for the web (@mediapipe/tasks-vision, pinned, installed by
// `make` from the npm registry and served by this app under /static/landmarks/ — nothing from a CDN), with the
// same hand_landmarker.task the server uses and, when the server has it, the pose model (body landmarks, for
// *location*). The options match the server's extractor (src/senas/ml/landmarks/extractor.py) so that landmarks
// computed here score as the server's own would.
//
// liveSupport() says synchronously whether this browser can do it at all; loadEngine() resolves to
// {ok: true, engine} or {ok: false, reason} and never throws, so every caller can fall back and say why.

const ENGINE_BASE = "/static/landmarks/engine";
const MODEL_BASE = "/static/landmarks/models";
const TELEMETRY_HOST = "odml.pa.googleapis.com";
// As the server's extractor: MIN_DETECTION_CONFIDENCE / MIN_TRACKING_CONFIDENCE, two hands, one body.
const CONFIDENCE = 0.5;

let loading = null;

export function liveSupport() {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
    return { ok: false, reason: "no_wasm" };
  }
  if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== "function") {
    return { ok: false, reason: "no_camera" };
  }
  return { ok: true };
}

// MediaPipe Tasks sends usage metrics to Google (odml.pa.googleapis.com) with fetch. The page's CSP would refuse
// it anyway (connect-src 'self'), but only after the browser logged a violation; refusing it here, before any
// request, keeps the console clean and says plainly that nothing about the learner's practice goes to Google.
function refuseTelemetry() {
  if (window.fetch.senasRefusesTelemetry) return;
  const original = window.fetch;
  const guarded = function fetch(input, init) {
    let host = "";
    try {
      host = new URL(typeof input === "string" || input instanceof URL ? input : input.url, location.href).hostname;
    } catch {
      host = "";
    }
    if (host === TELEMETRY_HOST) return Promise.reject(new TypeError("usage metrics are not sent from Señas"));
    return original.call(this, input, init);
  };
  guarded.senasRefusesTelemetry = true;
  window.fetch = guarded;
}

// MediaPipe's WebAssembly writes its log (glog lines such as "INFO: Created TensorFlow Lite XNNPACK delegate")
// to stderr, which Emscripten prints with console.error — an information line shown as a page error. The loader
// takes its settings from window.Module when one is set (and clears it after), so each engine gets one whose
// stderr keeps info and warning lines at their level; anything else stays an error. The wasm file is then found
// beside its loader script (the same folder), as the loader's own default does.
function quietLog() {
  window.Module = {
    printErr: (line) => {
      const text = String(line);
      if (/^(INFO|I\d{4})\b/.test(text)) console.info(text);
      else if (/^(WARNING|W\d{4})\b/.test(text)) console.warn(text);
      else console.error(text);
    },
  };
}

async function create() {
  const support = liveSupport();
  if (!support.ok) return support;
  refuseTelemetry();
  let vision;
  try {
    // Ask first: a missing engine answers 404 with a reason, which a failed import() would hide.
    const probe = await fetch(`${ENGINE_BASE}/vision_bundle.mjs`, { method: "HEAD" });
    if (!probe.ok) return { ok: false, reason: "engine_missing" };
    vision = await import(`${ENGINE_BASE}/vision_bundle.mjs`);
  } catch {
    return { ok: false, reason: "engine_missing" };
  }
  try {
    const fileset = await vision.FilesetResolver.forVisionTasks(ENGINE_BASE);
    quietLog();
    const hands = await vision.HandLandmarker.createFromOptions(fileset, {
      baseOptions: { modelAssetPath: `${MODEL_BASE}/hand_landmarker.task`, delegate: "CPU" },
      runningMode: "VIDEO",
      numHands: 2,
      minHandDetectionConfidence: CONFIDENCE,
      minHandPresenceConfidence: CONFIDENCE,
      minTrackingConfidence: CONFIDENCE,
    });
    let pose = null;
    // The pose model is optional on the server too: without it location is judged against the frame.
    const poseProbe = await fetch(`${MODEL_BASE}/pose_landmarker.task`, { method: "HEAD" }).catch(() => null);
    if (poseProbe && poseProbe.ok) {
      try {
        quietLog();
        pose = await vision.PoseLandmarker.createFromOptions(fileset, {
          baseOptions: { modelAssetPath: `${MODEL_BASE}/pose_landmarker.task`, delegate: "CPU" },
          runningMode: "VIDEO",
          numPoses: 1,
          minPoseDetectionConfidence: CONFIDENCE,
          minPosePresenceConfidence: CONFIDENCE,
          minTrackingConfidence: CONFIDENCE,
        });
      } catch {
        pose = null;
      }
    }
    return { ok: true, engine: { hands, pose } };
  } catch {
    return { ok: false, reason: "engine_failed" };
  }
}

// One engine per page load, shared by every camera view (building it compiles 13 MB of WebAssembly). A failed
// load is not cached: the next camera view tries again.
export function loadEngine() {
  if (!loading) {
    loading = create().then((outcome) => {
      if (!outcome.ok) loading = null;
      return outcome;
    });
  }
  return loading;
}
