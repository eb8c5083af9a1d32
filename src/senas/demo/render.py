"""Animated SVG of a hand skeleton for a demo sign (SMIL animation, no script, so it plays in an ``<img>``).

Every frame says what it is: a generated demonstration, not a real signer. The hand sways gently; the motion
letters J and Z travel along their path (drawn as a dashed trail), as the real letters do.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from senas.demo.notice import DEMO_NOTICE_EN, DEMO_NOTICE_ES

# MediaPipe's hand topology: (from, to) landmark pairs.
HAND_CONNECTIONS = (
    (0, 1), (1, 2), (2, 3), (3, 4),
    (0, 5), (5, 6), (6, 7), (7, 8),
    (5, 9), (9, 10), (10, 11), (11, 12),
    (9, 13), (13, 14), (14, 15), (15, 16),
    (13, 17), (17, 18), (18, 19), (19, 20),
    (0, 17),
)  # fmt: skip
FINGERTIPS = (4, 8, 12, 16, 20)
FINGER_COLOURS = ("#d9822b", "#2b7bd9", "#2bb673", "#9b59b6", "#e74c3c")  # thumb … little finger
WIDTH = 240
HEIGHT = 280
HAND_BOX = 190  # the hand fits a square this big, above the notice
# Movement paths (in hand-box units, relative to the hand's resting place) of the motion letters.
MOTION_PATHS = {
    "J": "M0,0 C0,28 0,40 -14,46 C-26,50 -34,44 -36,34",
    "Z": "M0,0 L34,0 L0,34 L34,34",
}


def _fmt(value: float) -> str:
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _finger_of(a: int, b: int) -> int:
    landmark = max(a, b)
    return 0 if landmark <= 4 else (landmark - 1) // 4


def render_hand_svg(
    pose: Sequence[Sequence[float]], *, label: str, title_es: str, title_en: str, motion: str | None = None
) -> str:
    """``pose``: 21 (x, y, z) landmarks, wrist-centred, y down. ``motion``: a key of MOTION_PATHS or None."""
    xs = [p[0] for p in pose]
    ys = [p[1] for p in pose]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    margin = 18.0
    scale = (HAND_BOX - 2 * margin) / span
    motion_path = MOTION_PATHS.get(motion or "")
    if motion_path is not None:
        scale *= 0.75  # room for the trail
    offset_x = (WIDTH - (max(xs) - min(xs)) * scale) / 2 - min(xs) * scale
    offset_y = margin + 8 - min(ys) * scale

    def at(i: int) -> tuple[float, float]:
        return pose[i][0] * scale + offset_x, pose[i][1] * scale + offset_y

    wrist_x, wrist_y = at(0)
    if motion_path is not None:
        offset_x -= 18
        wrist_x -= 18
    lines = []
    for a, b in HAND_CONNECTIONS:
        (x1, y1), (x2, y2) = at(a), at(b)
        colour = "#7f8c8d" if 0 in (a, b) and b not in (1,) else FINGER_COLOURS[_finger_of(a, b)]
        lines.append(
            f'<line x1="{_fmt(x1)}" y1="{_fmt(y1)}" x2="{_fmt(x2)}" y2="{_fmt(y2)}" stroke="{colour}" '
            'stroke-width="5" stroke-linecap="round"/>'
        )
    joints = []
    for i in range(len(pose)):
        x, y = at(i)
        radius = 5.5 if i in FINGERTIPS else (6.5 if i == 0 else 4)
        joints.append(f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{radius}" fill="#2c3e50"/>')
    sway = (
        f'<animateTransform attributeName="transform" type="rotate" dur="3s" repeatCount="indefinite" '
        f'values="-4 {_fmt(wrist_x)} {_fmt(wrist_y)};4 {_fmt(wrist_x)} {_fmt(wrist_y)};'
        f'-4 {_fmt(wrist_x)} {_fmt(wrist_y)}"/>'
    )
    trail = ""
    move = ""
    if motion_path is not None:
        tip = at(20 if motion == "J" else 8)
        trail = (
            f'<path d="{motion_path}" transform="translate({_fmt(tip[0])},{_fmt(tip[1])})" fill="none" '
            'stroke="#e67e22" stroke-width="3" stroke-dasharray="6 5" opacity="0.8"/>'
        )
        move = f'<animateMotion dur="2.4s" repeatCount="indefinite" path="{motion_path}"/>'
        sway = ""
    hand = f"<g>{sway}{move}{''.join(lines)}{''.join(joints)}</g>"
    notice_y = HAND_BOX + 20
    title = escape(f"{title_es} / {title_en} — {DEMO_NOTICE_ES} / {DEMO_NOTICE_EN}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        f'<rect width="{WIDTH}" height="{HEIGHT}" rx="12" fill="#fdfaf3"/>'
        f'<text x="12" y="22" font-family="sans-serif" font-size="18" font-weight="bold" fill="#2c3e50">'
        f"{escape(label)}</text>"
        f'<text x="{WIDTH - 12}" y="22" text-anchor="end" font-family="sans-serif" font-size="12" '
        f'font-weight="bold" fill="#c0392b">DEMO</text>'
        f"{trail}{hand}"
        f'<rect x="0" y="{notice_y - 8}" width="{WIDTH}" height="{HEIGHT - notice_y + 8}" fill="#2c3e50"/>'
        f'<text x="{WIDTH // 2}" y="{notice_y + 12}" text-anchor="middle" font-family="sans-serif" font-size="10.5" '
        f'fill="#ffffff">{escape(DEMO_NOTICE_ES)}</text>'
        f'<text x="{WIDTH // 2}" y="{notice_y + 30}" text-anchor="middle" font-family="sans-serif" font-size="10.5" '
        f'fill="#ffffff">{escape(DEMO_NOTICE_EN)}</text>'
        f'<text x="{WIDTH // 2}" y="{notice_y + 48}" text-anchor="middle" font-family="sans-serif" font-size="8.5" '
        f'fill="#bdc3c7">pose: CC0 ASL landmark data (borisgraudt/asl-ai)</text>'
        "</svg>\n"
    )
