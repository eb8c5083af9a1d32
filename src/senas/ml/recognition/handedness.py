"""Which hand sent landmarks show — checked, not trusted.

A landmarks form's ``handedness`` is MediaPipe's label of the hand computed on the *un-mirrored* frame (the image as
the camera took it, not the mirrored preview a selfie view shows): ``left`` is the signer's own left hand. It
decides the score — a hand is compared with the templates after mirroring a left hand into a right one, so the
same landmarks under the wrong label are compared as the mirror image of the hand (the issue's 82 against 43). Two
mistakes are easy for a client: landmarks of a mirrored frame sent with the camera's label (or the label of the old
``solutions`` API, which assumed a mirrored selfie), and no label at all.

The hand's 3-D shape can tell (``handframe.right_hand_evidence``: fingers bend towards the palm, the thumb lies in
front of it), clearly in most handshapes, not at all for a flat open hand. So:

* a label the geometry contradicts clearly (median evidence beyond ``OVERRULE_DEGREES`` the other way) is
  overruled: the hand is scored as the side its shape shows, and the answer says so;
* a missing label is decided by the geometry when it is clear (``DECIDE_DEGREES``), else by the default (the
  learner's dominant hand), and the answer says which;
* otherwise the label is used as sent.

The thresholds come from MediaPipe's own (correct) labels: on the fixture photos of other people every hand agrees
with its label by 4° or more; on the alphabet rows 0.8 % disagree beyond -30° (depth inverted by MediaPipe on some
O frames), so a label is overruled only beyond that — and on the median of an attempt's frames, not one frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from senas.ml.recognition.handframe import right_hand_evidence

Side = Literal["left", "right"]
DecidedBy = Literal["label", "geometry", "default"]
OVERRULE_DEGREES = 30.0
DECIDE_DEGREES = 10.0

_ES = {"left": "izquierda", "right": "derecha"}


@dataclass(frozen=True)
class HandednessCheck:
    used: Side  # the side the hand was scored as (the majority of the frames)
    sent: Side | None  # the label sent (the majority of the labelled frames); None: none was sent
    decided_by: DecidedBy
    evidence_degrees: float  # median right-hand evidence of the frames (positive: a right hand's shape)
    message_es: str
    message_en: str

    def as_json(self) -> dict[str, object]:
        return {
            "sent": self.sent,
            "used": self.used,
            "decided_by": self.decided_by,
            "evidence_degrees": round(self.evidence_degrees, 1),
            "message_es": self.message_es,
            "message_en": self.message_en,
        }


def check_handedness(
    points: np.ndarray, aspect: float, sent: list[Side | None], default: Side
) -> tuple[list[Side], HandednessCheck]:
    """``points`` (T, 21, 3) one hand per frame (image-normalised), ``sent`` each frame's label (None: not sent);
    ``default``: the side for a hand with no label whose shape does not tell. Returns each frame's side and the
    check."""
    evidence = right_hand_evidence(np.asarray(points, np.float64), aspect)
    informative = evidence != 0.0
    overall = float(np.median(evidence[informative])) if informative.any() else 0.0
    labelled = [i for i, side in enumerate(sent) if side is not None]
    sides: list[Side] = [side if side is not None else default for side in sent]
    sent_side: Side | None = None
    decided_by: DecidedBy = "label"
    if labelled:
        agreement = np.array([evidence[i] if sent[i] == "right" else -evidence[i] for i in labelled])
        rights = sum(sent[i] == "right" for i in labelled)
        sent_side = "right" if rights * 2 >= len(labelled) else "left"
        useful = agreement[informative[labelled]]
        if useful.size and float(np.median(useful)) <= -OVERRULE_DEGREES:
            for i in labelled:
                sides[i] = "left" if sent[i] == "right" else "right"
            decided_by = "geometry"
    unlabelled = [i for i, side in enumerate(sent) if side is None]
    if unlabelled:
        if abs(overall) >= DECIDE_DEGREES:
            by_shape: Side = "right" if overall > 0 else "left"
            for i in unlabelled:
                sides[i] = by_shape
            if not labelled:
                decided_by = "geometry"
        elif not labelled:
            decided_by = "default"
    used: Side = "right" if sum(side == "right" for side in sides) * 2 >= len(sides) else "left"
    message_es, message_en = _message(decided_by, sent_side, used)
    return sides, HandednessCheck(used, sent_side, decided_by, overall, message_es, message_en)


def _message(decided_by: DecidedBy, sent: Side | None, used: Side) -> tuple[str, str]:
    if decided_by == "label":
        return (
            f"Se usó la mano indicada: la {_ES[used]}.",
            f"The hand was taken as sent: your {used} hand.",
        )
    if decided_by == "geometry" and sent is not None:
        return (
            f"La mano enviada como «{_ES[sent]}» tiene la forma de una mano {_ES[used]} (¿imagen o etiqueta en "
            f"espejo?): se puntuó como tu mano {_ES[used]}.",
            f"The hand sent as “{sent}” has the shape of a {used} hand (a mirrored frame or label?): it was scored "
            f"as your {used} hand.",
        )
    if decided_by == "geometry":
        return (
            f"No se indicó qué mano es; por su forma es tu mano {_ES[used]}.",
            f"No handedness was sent; by its shape it is your {used} hand.",
        )
    return (
        f"No se indicó qué mano es y su forma no lo deja claro: se tomó tu mano {_ES[used]}.",
        f"No handedness was sent and the hand's shape does not tell: it was taken as your {used} hand.",
    )
