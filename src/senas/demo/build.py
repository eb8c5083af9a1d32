"""Builds the demo course bundle (``src/senas/demo/course/``) from the derived alphabet poses.

Run: ``python -m senas.demo.build`` after changing this file or ``alphabet_poses.json``; the bundle is committed
and loaded by the ordinary bundle importer on the first ``senas up`` (a test checks it is up to date).
"""

from __future__ import annotations

import string
import sys
from pathlib import Path
from typing import Any

import yaml

from senas.demo.derive import load_poses
from senas.demo.render import MOTION_PATHS, render_hand_svg
from senas.demo.vocabulary import slug_of

COURSE = Path(__file__).with_name("course")
LANGUAGE = "ase"
ALPHABET = "alfabeto"
NUMBERS = "números"
DEMO_NOTE_ES = (
    "Medios de demostración: animaciones generadas del esqueleto de la mano a partir de la pose mediana de datos "
    "reales (conjunto CC0 de una persona), no videos de un intérprete real."
)
DEMO_NOTE_EN = (
    "Demo media: generated hand-skeleton animations from the median pose of real data (a one-signer CC0 set), "
    "not videos of a real signer."
)

# ASL numbers whose handshape is (close to) a letter's; the text says honestly what the animation shows.
NUMBERS_SIGNS = [
    ("0", "Cero", "Zero", "O", "En ASL el 0 se forma con la configuración O.", "ASL 0 uses the O handshape."),
    (
        "2",
        "Dos",
        "Two",
        "V",
        "En ASL el 2 usa la configuración V (índice y medio extendidos, palma hacia quien signa).",
        "ASL 2 uses the V handshape (index and middle fingers up, palm towards the signer).",
    ),
    (
        "4",
        "Cuatro",
        "Four",
        "B",
        "En ASL el 4 extiende los cuatro dedos separados con el pulgar doblado; la demostración muestra la pose "
        "de la letra B, con los dedos juntos.",
        "ASL 4 has four fingers up and spread with the thumb folded; the demo shows the B letter pose, fingers "
        "together.",
    ),
    (
        "6",
        "Seis",
        "Six",
        "W",
        "En ASL el 6 une pulgar y meñique con los otros tres dedos extendidos: la configuración W.",
        "ASL 6 touches thumb and little finger with the other three fingers up: the W handshape.",
    ),
    (
        "9",
        "Nueve",
        "Nine",
        "F",
        "En ASL el 9 une pulgar e índice con los otros tres dedos extendidos: la configuración F.",
        "ASL 9 touches thumb and index finger with the other three fingers up: the F handshape.",
    ),
]

LESSONS: list[dict[str, Any]] = [
    {
        "level": "alfabeto-1",
        "slug": "letras-a-f",
        "title_es": "Letras A–F",
        "title_en": "Letters A–F",
        "signs": list("ABCDEF"),
        "word": "cafe",
    },
    {
        "level": "alfabeto-1",
        "slug": "letras-g-l",
        "title_es": "Letras G–L",
        "title_en": "Letters G–L",
        "signs": list("GHIJKL"),
        "word": "lila",
    },
    {
        "level": "alfabeto-1",
        "slug": "letras-m-r",
        "title_es": "Letras M–R",
        "title_en": "Letters M–R",
        "signs": list("MNOPQR"),
        "word": "mar",
    },
    {
        "level": "alfabeto-2",
        "slug": "letras-s-z",
        "title_es": "Letras S–Z",
        "title_en": "Letters S–Z",
        "signs": list("STUVWXYZ"),
        "word": "taza",
    },
    {
        "level": "alfabeto-2",
        "slug": "numeros",
        "title_es": "Números con configuraciones del alfabeto",
        "title_en": "Numbers that share alphabet handshapes",
        "signs": ["#0", "#2", "#4", "#6", "#9"],
        "word": "dos",
    },
    {
        "level": "alfabeto-2",
        "slug": "repaso-deletreo",
        "title_es": "Repaso: deletrear palabras",
        "title_en": "Review: fingerspelling words",
        "signs": list("ACEHLMOSUZ"),
        "word": "hola",
        "more_words": ["casa", "sol"],
    },
]
LEVELS = [
    (
        "alfabeto-1",
        "Alfabeto manual I",
        "Fingerspelling alphabet I",
        "Las primeras 18 letras del alfabeto manual de ASL.",
        "The first 18 letters of the ASL manual alphabet.",
    ),
    (
        "alfabeto-2",
        "Alfabeto manual II y números",
        "Fingerspelling alphabet II and numbers",
        "Las últimas letras, cinco números y palabras deletreadas.",
        "The last letters, five numbers and fingerspelled words.",
    ),
]


# The animation names only the language, never the sign: the same image is the question of the exercises
# "what does this sign mean?" (its text alternative is shown once the learner has answered).


def _signs(poses: dict[str, list[list[float]]], media_dir: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    signs: list[dict[str, Any]] = []
    svgs: dict[str, str] = {}
    for letter in string.ascii_uppercase:
        slug = slug_of(letter)
        motion = letter if letter in MOTION_PATHS else None
        movement_es = " Es una letra con movimiento: la animación dibuja su trayectoria." if motion else ""
        movement_en = " It is a motion letter: the animation draws its path." if motion else ""
        svgs[slug] = render_hand_svg(
            poses[letter], label="ASL", title_es=f"Letra {letter}", title_en=f"Letter {letter}", motion=motion
        )
        signs.append(
            {
                "slug": slug,
                "gloss": letter,
                "meaning_es": f"Letra {letter}",
                "meaning_en": f"Letter {letter}",
                "category": ALPHABET,
                "handshape": letter,
                "region": "",
                "description_es": f"Letra {letter} del alfabeto manual de ASL.{movement_es} {DEMO_NOTE_ES}",
                "description_en": f"Letter {letter} of the ASL manual alphabet.{movement_en} {DEMO_NOTE_EN}",
                "status": "published",
                "media": {"file": f"media/{LANGUAGE}/{slug}.svg", "content_type": "image/svg+xml", "demo": True},
            }
        )
    for number, name_es, name_en, handshape, text_es, text_en in NUMBERS_SIGNS:
        slug = slug_of(f"#{number}")
        svgs[slug] = render_hand_svg(
            poses[handshape], label="ASL", title_es=f"Número {number}", title_en=f"Number {number}"
        )
        signs.append(
            {
                "slug": slug,
                "gloss": number,
                "meaning_es": name_es,
                "meaning_en": name_en,
                "category": NUMBERS,
                "handshape": handshape,
                "region": "",
                "description_es": f"{text_es} {DEMO_NOTE_ES}",
                "description_en": f"{text_en} {DEMO_NOTE_EN}",
                "status": "published",
                "media": {"file": f"media/{LANGUAGE}/{slug}.svg", "content_type": "image/svg+xml", "demo": True},
            }
        )
    return signs, svgs


def _name(symbol: str) -> tuple[str, str]:
    if symbol.startswith("#"):
        return symbol[1:], symbol[1:]
    return f"la letra {symbol}", f"the letter {symbol}"


def _exercises(lesson: dict[str, Any]) -> list[dict[str, Any]]:
    symbols: list[str] = lesson["signs"]
    exercises: list[dict[str, Any]] = []
    count = len(symbols)
    for i in range(2):
        target = symbols[(i * 2) % count]
        others = [s for s in symbols if s != target]
        exercises.append(
            {
                "slug": f"mirar-{i + 1}",
                "kind": "watch_choose_meaning",
                "sign": slug_of(target),
                "distractors": [slug_of(s) for s in others[i : i + 3]],
                "prompt_es": "Mira la seña: ¿qué significa?",
                "prompt_en": "Watch the sign: what does it mean?",
            }
        )
    for i in range(2):
        target = symbols[(i * 2 + 1) % count]
        others = [s for s in symbols if s != target]
        name_es, name_en = _name(target)
        exercises.append(
            {
                "slug": f"elegir-{i + 1}",
                "kind": "meaning_choose_video",
                "sign": slug_of(target),
                "distractors": [slug_of(s) for s in others[i + 1 : i + 4]],
                "prompt_es": f"Elige la seña de {name_es}",
                "prompt_en": f"Choose the sign for {name_en}",
            }
        )
    target = symbols[-1]
    name_es, name_en = _name(target)
    exercises.append(
        {
            "slug": "hacer-1",
            "kind": "perform_sign",
            "sign": slug_of(target),
            "prompt_es": f"Haz la seña de {name_es} frente a la cámara",
            "prompt_en": f"Sign {name_en} in front of the camera",
        }
    )
    for n, word in enumerate([lesson["word"], *lesson.get("more_words", [])], start=1):
        exercises.append(
            {
                "slug": f"deletrear-{n}",
                "kind": "fingerspell",
                "word": word,
                "prompt_es": f"Deletrea «{word}»",
                "prompt_en": f"Fingerspell “{word}”",
            }
        )
    return exercises


def build(target: Path = COURSE) -> dict[str, Any]:
    poses = load_poses()
    media_dir = target / "media" / LANGUAGE
    signs, svgs = _signs(poses, media_dir)
    levels = []
    for slug, title_es, title_en, description_es, description_en in LEVELS:
        lessons = [
            {
                "slug": lesson["slug"],
                "title_es": lesson["title_es"],
                "title_en": lesson["title_en"],
                "status": "published",
                "signs": [slug_of(s) for s in lesson["signs"]],
                "exercises": _exercises(lesson),
            }
            for lesson in LESSONS
            if lesson["level"] == slug
        ]
        levels.append(
            {
                "slug": slug,
                "title_es": title_es,
                "title_en": title_en,
                "description_es": description_es,
                "description_en": description_en,
                "status": "published",
                "lessons": lessons,
            }
        )
    bundle = {
        "format": "senas-bundle/1",
        "languages": [
            {
                "code": LANGUAGE,
                "name_es": "Lengua de Señas Americana (ASL)",
                "name_en": "American Sign Language (ASL)",
                "description_es": "Curso de demostración: el alfabeto manual y algunos números. " + DEMO_NOTE_ES,
                "description_en": "Demo course: the manual alphabet and a few numbers. " + DEMO_NOTE_EN,
                "status": "published",
                "signs": signs,
                "levels": levels,
            }
        ],
    }
    media_dir.mkdir(parents=True, exist_ok=True)
    for slug, svg in svgs.items():
        (media_dir / f"{slug}.svg").write_text(svg, encoding="utf-8")
    header = (
        "# Señas demo course — generated by `python -m senas.demo.build`; edit build.py, not this file.\n"
        "# Media are generated hand-skeleton animations (demo), not recordings of a real signer.\n"
    )
    (target / "bundle.yaml").write_text(
        header + yaml.safe_dump(bundle, allow_unicode=True, sort_keys=False, width=110), encoding="utf-8"
    )
    return bundle


def main() -> int:
    bundle = build()
    language = bundle["languages"][0]
    lessons = sum(len(level["lessons"]) for level in language["levels"])
    print(f"wrote {COURSE}: {len(language['signs'])} signs, {len(language['levels'])} levels, {lessons} lessons")
    return 0


if __name__ == "__main__":
    sys.exit(main())
