"""The bundle file format (version 1) and its validation, which reports every problem with its location."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from senas.content.catalog.reader import ALPHABET_CATEGORY
from senas.content.catalog.schemas import (
    MAX_DISTRACTORS,
    ExerciseKind,
    LanguageCode,
    Slug,
    check_exercise_shape,
)
from senas.content.media import rules
from senas.content.text import fingerspelling_letters, letter_key, normalise

FORMAT: Literal["senas-bundle/1"] = "senas-bundle/1"
BUNDLE_FILES = ("bundle.yaml", "bundle.yml", "bundle.json")
Status = Literal["draft", "published"]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MediaEntry(_Item):
    file: Annotated[str, Field(min_length=1, max_length=300, description="path inside the bundle folder")]
    content_type: str
    demo: bool = False


class SignEntry(_Item):
    slug: Slug
    gloss: Annotated[str, Field(min_length=1, max_length=120)]
    meaning_es: Annotated[str, Field(min_length=1, max_length=300)]
    meaning_en: Annotated[str, Field(min_length=1, max_length=300)]
    category: Annotated[str, Field(max_length=80)] = ""
    handshape: Annotated[str, Field(max_length=80)] = ""
    region: Annotated[str, Field(max_length=120)] = ""
    description_es: Annotated[str, Field(max_length=5000)] = ""
    description_en: Annotated[str, Field(max_length=5000)] = ""
    status: Status = "draft"
    media: MediaEntry | None = None


class ExerciseEntry(_Item):
    slug: Slug
    kind: ExerciseKind
    sign: Slug | None = None
    distractors: Annotated[list[Slug], Field(max_length=MAX_DISTRACTORS)] = []
    word: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    prompt_es: Annotated[str, Field(max_length=300)] = ""
    prompt_en: Annotated[str, Field(max_length=300)] = ""


class LessonEntry(_Item):
    slug: Slug
    title_es: Text200
    title_en: Text200
    description_es: Annotated[str, Field(max_length=5000)] = ""
    description_en: Annotated[str, Field(max_length=5000)] = ""
    status: Status = "draft"
    signs: list[Slug] = []
    exercises: list[ExerciseEntry] = []


class LevelEntry(_Item):
    slug: Slug
    title_es: Text200
    title_en: Text200
    description_es: Annotated[str, Field(max_length=5000)] = ""
    description_en: Annotated[str, Field(max_length=5000)] = ""
    status: Status = "draft"
    lessons: list[LessonEntry] = []


class LanguageEntry(_Item):
    code: LanguageCode
    name_es: Text200
    name_en: Text200
    description_es: Annotated[str, Field(max_length=5000)] = ""
    description_en: Annotated[str, Field(max_length=5000)] = ""
    status: Status = "draft"
    signs: list[SignEntry] = []
    levels: list[LevelEntry] = []


class Bundle(_Item):
    format: Literal["senas-bundle/1"] = FORMAT
    languages: list[LanguageEntry]


class BundleInvalid(Exception):
    """The bundle was refused as a whole; ``problems`` lists each one as ``file: location: message``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the bundle:\n  " + "\n  ".join(problems))


@dataclass
class MediaFile:
    """A media file of the bundle, checked and ready to store."""

    language: str
    sign_slug: str
    path: Path
    content_type: str
    demo: bool
    size: int
    ext: str
    sha256: str = ""


@dataclass
class LoadedBundle:
    root: Path
    bundle: Bundle
    media: dict[tuple[str, str], MediaFile] = field(default_factory=dict)


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top)"


def find_bundle_file(root: Path) -> Path:
    for name in BUNDLE_FILES:
        candidate = root / name
        if candidate.is_file():
            return candidate
    raise BundleInvalid([f"{root}: no {' / '.join(BUNDLE_FILES)} in this folder"])


MAX_BUNDLE_FILE_BYTES = 4 * rules.MB  # a course of thousands of signs is well under 1 MB of YAML


class _PlainYamlLoader(yaml.SafeLoader):
    """YAML without anchors and aliases: a bundle never needs them, and an alias bomb (a few hundred bytes that
    expand to billions of nodes once something walks the document) would cost whoever reads it next."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases are not allowed in a bundle", event.start_mark
            )
        return super().compose_node(parent, index)


def read_document(source: Path) -> Any:
    """The bundle file's document (YAML or JSON by its name), refusing an oversized file, aliases and nesting too
    deep to parse; raises BundleInvalid naming the file."""
    name = source.name
    try:
        if source.stat().st_size > MAX_BUNDLE_FILE_BYTES:
            raise BundleInvalid([f"{name}: over {MAX_BUNDLE_FILE_BYTES // rules.MB} MB"])
        text = source.read_text(encoding="utf-8")
        return json.loads(text) if name.endswith(".json") else yaml.load(text, Loader=_PlainYamlLoader)  # noqa: S506
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise BundleInvalid([f"{name}: cannot be read: {exc}"]) from None
    except RecursionError:
        raise BundleInvalid([f"{name}: cannot be read: nested too deeply"]) from None


def load(root: Path, *, known_letters: dict[str, set[str]] | None = None) -> LoadedBundle:
    """Read and check the bundle in ``root``; raise BundleInvalid listing every problem.

    ``known_letters`` maps a language code to the alphabet letters already in the database, so a bundle may
    add fingerspelling exercises to a language whose alphabet it does not carry."""
    root = root.resolve()
    if not root.is_dir():
        raise BundleInvalid([f"{root}: not a folder"])
    source = find_bundle_file(root)
    name = source.name
    raw = read_document(source)
    try:
        bundle = Bundle.model_validate(raw)
    except ValidationError as exc:
        raise BundleInvalid([f"{name}: {_where(e['loc'])}: {e['msg']}" for e in exc.errors()]) from None
    problems: list[str] = []
    loaded = LoadedBundle(root=root, bundle=bundle)

    def problem(where: str, message: str) -> None:
        problems.append(f"{name}: {where}: {message}")

    codes: set[str] = set()
    for li, language in enumerate(bundle.languages):
        at = f"languages[{li}]"
        if language.code in codes:
            problem(f"{at}.code", f"language {language.code!r} appears twice")
        codes.add(language.code)
        slugs: set[str] = set()
        letters = set((known_letters or {}).get(language.code, set()))
        for si, sign in enumerate(language.signs):
            sat = f"{at}.signs[{si}]"
            if sign.slug in slugs:
                problem(f"{sat}.slug", f"sign slug {sign.slug!r} appears twice")
            slugs.add(sign.slug)
            if normalise(sign.category) == ALPHABET_CATEGORY:
                letters.add(letter_key(sign.gloss))
            if sign.media is not None:
                media = _check_media(root, sign.media, f"{sat}.media", problem)
                if media is not None:
                    loaded.media[(language.code, sign.slug)] = MediaFile(
                        language.code, sign.slug, media[0], sign.media.content_type, sign.media.demo, media[1], media[2]
                    )
        level_slugs: set[str] = set()
        for vi, level in enumerate(language.levels):
            vat = f"{at}.levels[{vi}]"
            if level.slug in level_slugs:
                problem(f"{vat}.slug", f"level slug {level.slug!r} appears twice")
            level_slugs.add(level.slug)
            lesson_slugs: set[str] = set()
            for ni, lesson in enumerate(level.lessons):
                nat = f"{vat}.lessons[{ni}]"
                if lesson.slug in lesson_slugs:
                    problem(f"{nat}.slug", f"lesson slug {lesson.slug!r} appears twice in this level")
                lesson_slugs.add(lesson.slug)
                if len(set(lesson.signs)) != len(lesson.signs):
                    problem(f"{nat}.signs", "a sign is listed twice")
                for gi, slug in enumerate(lesson.signs):
                    if slug not in slugs:
                        problem(f"{nat}.signs[{gi}]", f"unknown sign slug {slug!r}")
                exercise_slugs: set[str] = set()
                for ei, exercise in enumerate(lesson.exercises):
                    eat = f"{nat}.exercises[{ei}]"
                    if exercise.slug in exercise_slugs:
                        problem(f"{eat}.slug", f"exercise slug {exercise.slug!r} appears twice in this lesson")
                    exercise_slugs.add(exercise.slug)
                    try:
                        check_exercise_shape(exercise.kind, exercise.sign, exercise.distractors, exercise.word)
                    except ValueError as exc:
                        field_name, _, message = str(exc).partition(": ")
                        field_name = {"sign_id": "sign", "distractor_ids": "distractors"}.get(field_name, field_name)
                        problem(f"{eat}.{field_name}", message)
                    if exercise.sign is not None and exercise.sign not in slugs:
                        problem(f"{eat}.sign", f"unknown sign slug {exercise.sign!r}")
                    for di, slug in enumerate(exercise.distractors):
                        if slug not in slugs:
                            problem(f"{eat}.distractors[{di}]", f"unknown sign slug {slug!r}")
                    if exercise.word:
                        missing = sorted({ch for ch in fingerspelling_letters(exercise.word) if ch not in letters})
                        if missing:
                            problem(
                                f"{eat}.word",
                                "no alphabet sign for " + ", ".join(repr(m.upper()) for m in missing),
                            )
    if problems:
        raise BundleInvalid(problems)
    return loaded


def _check_media(root: Path, media: MediaEntry, at: str, problem: Any) -> tuple[Path, int, str] | None:
    content_type = rules.base_type(media.content_type)
    allowed = dict(rules.UPLOAD_TYPES)
    if media.demo:
        allowed.update({t: (ext, rules.IMAGE_LIMIT) for t, ext in rules.DEMO_TYPES.items()})
    if content_type not in allowed:
        hint = " (SVG only for demo media)" if content_type in rules.DEMO_TYPES else ""
        problem(f"{at}.content_type", f"content type {media.content_type!r} is not allowed{hint}")
        return None
    ext, limit = allowed[content_type]
    path = (root / media.file).resolve()
    if not path.is_relative_to(root):
        problem(f"{at}.file", f"{media.file!r} points outside the bundle folder")
        return None
    if not path.is_file():
        problem(f"{at}.file", f"file {media.file!r} not found")
        return None
    size = path.stat().st_size
    if size > limit:
        problem(f"{at}.file", f"{media.file!r} is {size} bytes, over the {limit // rules.MB} MB limit")
        return None
    if size == 0:
        problem(f"{at}.file", f"{media.file!r} is empty")
        return None
    return path, size, ext
