// The learner's choice of privacy mode, kept on this device (localStorage): on unless they turned it off.

const KEY = "senas.privacyMode";

export function privacyChosen() {
  try {
    return localStorage.getItem(KEY) !== "off";
  } catch {
    return true;
  }
}

export function choosePrivacy(on) {
  try {
    localStorage.setItem(KEY, on ? "on" : "off");
    return true;
  } catch {
    return false; // storage refused (private browsing): the choice lasts for this page only
  }
}
