"""Request and response bodies of the catalogue API (reading and authoring)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapSerializer,
    WrapValidator,
    model_validator,
)

from senas.content.media.schemas import MediaOut
from senas.content.views import MediaRef

Text200 = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=5000)]
Slug = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
# The ids the service makes (uuid4 text); published as a pattern, as the bodies are stripped of surrounding white
# space before they are checked (an id of white space alone was refused as empty, which no schema said).
Id = Annotated[str, Field(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]
Position = Annotated[int, Field(ge=1, le=10_000, description="1-based place among its siblings")]
ExerciseKind = Literal["watch_choose_meaning", "meaning_choose_video", "perform_sign", "fingerspell"]
MULTIPLE_CHOICE = ("watch_choose_meaning", "meaning_choose_video")  # the right sign among its distractors
LanguageCode = Annotated[
    str,
    Field(
        min_length=2,
        max_length=16,
        pattern=r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$",
        description="ISO 639-3 code where one exists (ase = ASL, lsm… for others), lower case",
    ),
]
MAX_DISTRACTORS = 5
MAX_LESSON_SIGNS = 60


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LanguageCreate(_In):
    code: LanguageCode
    name_es: Text200
    name_en: Text200
    description_es: LongText = ""
    description_en: LongText = ""


class LanguageUpdate(_In):
    name_es: Text200 | None = None
    name_en: Text200 | None = None
    description_es: LongText | None = None
    description_en: LongText | None = None


class LevelCreate(_In):
    slug: Slug | None = Field(None, description="generated from title_es when omitted")
    title_es: Text200
    title_en: Text200
    description_es: LongText = ""
    description_en: LongText = ""
    position: Position | None = Field(None, description="where to insert it; at the end when omitted")


class LevelUpdate(_In):
    slug: Slug | None = None
    title_es: Text200 | None = None
    title_en: Text200 | None = None
    description_es: LongText | None = None
    description_en: LongText | None = None


LessonCreate = LevelCreate
LessonUpdate = LevelUpdate


class SignCreate(_In):
    slug: Slug | None = Field(None, description="generated from gloss when omitted")
    gloss: Annotated[str, Field(min_length=1, max_length=120)]
    meaning_es: Annotated[str, Field(min_length=1, max_length=300)]
    meaning_en: Annotated[str, Field(min_length=1, max_length=300)]
    category: Annotated[str, Field(max_length=80)] = ""
    handshape: Annotated[str, Field(max_length=80)] = ""
    region: Annotated[str, Field(max_length=120, description="regional variant; empty = general")] = ""
    description_es: LongText = ""
    description_en: LongText = ""


class SignUpdate(_In):
    slug: Slug | None = None
    gloss: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    meaning_es: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    meaning_en: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    category: Annotated[str, Field(max_length=80)] | None = None
    handshape: Annotated[str, Field(max_length=80)] | None = None
    region: Annotated[str, Field(max_length=120)] | None = None
    description_es: LongText | None = None
    description_en: LongText | None = None


Word = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[^\W\d_]+( [^\W\d_]+)*$")]


def _publish_kinds(schema: dict[str, Any]) -> None:
    """The schema says which fields each kind takes, as ``check_exercise_shape`` decides it (it published every field
    as optional, so a fingerspell exercise without its word was schema-valid and refused — found by fuzzing the running
    content service). One rule no JSON schema can state stays the service's alone: the right answer is not also one of
    the wrong ones."""
    no_choices = {"type": "array", "maxItems": 0}
    schema["oneOf"] = [
        {
            "properties": {
                "kind": {"enum": list(MULTIPLE_CHOICE)},
                "sign_id": {"type": "string"},
                "distractor_ids": {"type": "array", "minItems": 1, "uniqueItems": True},
                "word": {"type": "null"},
            },
            "required": ["kind", "sign_id", "distractor_ids"],
        },
        {
            "properties": {
                "kind": {"const": "perform_sign"},
                "sign_id": {"type": "string"},
                "distractor_ids": no_choices,
                "word": {"type": "null"},
            },
            "required": ["kind", "sign_id"],
        },
        {
            "properties": {
                "kind": {"const": "fingerspell"},
                "word": {"type": "string"},
                "sign_id": {"type": "null"},
                "distractor_ids": no_choices,
            },
            "required": ["kind", "word"],
        },
    ]


class ExerciseCreate(_In):
    """``watch_choose_meaning``: watch ``sign_id`` and pick its meaning among it and ``distractor_ids``.
    ``meaning_choose_video``: read the meaning and pick the right video. ``perform_sign``: sign ``sign_id`` on
    camera. ``fingerspell``: spell ``word`` letter by letter (every letter needs an alphabet sign)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=_publish_kinds)

    slug: Slug | None = Field(None, description="generated from the kind when omitted")
    kind: ExerciseKind
    sign_id: Id | None = None
    distractor_ids: Annotated[list[Id], Field(max_length=MAX_DISTRACTORS)] = []
    word: Word | None = None
    prompt_es: Annotated[str, Field(max_length=300)] = ""
    prompt_en: Annotated[str, Field(max_length=300)] = ""
    position: Position | None = None

    @model_validator(mode="after")
    def _fields_of_the_kind(self) -> ExerciseCreate:
        check_exercise_shape(self.kind, self.sign_id, self.distractor_ids, self.word)
        return self


class ExerciseUpdate(_In):
    slug: Slug | None = None
    sign_id: Id | None = None
    distractor_ids: Annotated[list[Id], Field(max_length=MAX_DISTRACTORS)] | None = None
    word: Word | None = None
    prompt_es: Annotated[str, Field(max_length=300)] | None = None
    prompt_en: Annotated[str, Field(max_length=300)] | None = None


def check_exercise_shape(kind: str, sign_id: str | None, distractor_ids: list[str], word: str | None) -> None:
    """Raises ValueError naming the field when the fields do not fit the kind of exercise."""
    if kind == "fingerspell":
        if not word:
            raise ValueError("word: a fingerspell exercise needs a word")
        if sign_id or distractor_ids:
            raise ValueError("sign_id: a fingerspell exercise takes a word, not signs")
        return
    if not sign_id:
        raise ValueError(f"sign_id: a {kind} exercise needs the sign")
    if word:
        raise ValueError(f"word: a {kind} exercise takes no word")
    if kind == "perform_sign":
        if distractor_ids:
            raise ValueError("distractor_ids: a perform_sign exercise has no choices")
        return
    if not distractor_ids:
        raise ValueError(f"distractor_ids: a {kind} exercise needs at least one wrong answer")
    if len(set(distractor_ids)) != len(distractor_ids) or sign_id in distractor_ids:
        raise ValueError("distractor_ids: must be distinct and not include the right answer")


class OrderIn(_In):
    ids: Annotated[
        list[Id],
        Field(
            min_length=1,
            max_length=1000,
            description="every current child's id, once each, in order (409 `children_changed` when they are not "
            "the current children)",
            json_schema_extra={"uniqueItems": True},  # checked by the service (422), published here
        ),
    ]


class LessonSignsIn(_In):
    sign_ids: Annotated[list[Id], Field(max_length=MAX_LESSON_SIGNS, description="the lesson's signs, in order")]


# -- author responses: the stored rows, every column but the derived search ones ----------------------------------

# Written with Python's isoformat ("+00:00"), as the author API always has, where Pydantic would write "Z".
Stamp = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class _Row(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class _Publishable(_Row):
    """What every publishable row carries (fields of a model come after those of its bases)."""

    owner_id: str | None = Field(description="the author who made it; none: the operator's (demo, bundles)")
    status: str
    version: int
    created_at: Stamp
    updated_at: Stamp


class _Described(_Publishable):
    description_es: str
    description_en: str


class _Placed(_Described):
    slug: str
    position: int
    title_es: str
    title_en: str


class AuthorLanguageOut(_Described):
    id: str
    code: str
    name_es: str
    name_en: str


class AuthorLevelOut(_Placed):
    id: str
    language_id: str


class AuthorLessonOut(_Placed):
    id: str
    level_id: str


class SignFields(BaseModel):
    """What describes a sign, for authors and learners alike."""

    id: str
    slug: str
    gloss: str
    meaning_es: str
    meaning_en: str
    category: str
    handshape: str
    region: str


class AuthorSignOut(_Described, SignFields):
    language_id: str
    reference_asset_id: str | None
    image_asset_id: str | None
    template_status: str
    template_key: str | None
    template_version: str | None


class AuthorExerciseOut(_Row):
    owner_id: str | None
    id: str
    lesson_id: str
    slug: str
    position: int
    kind: ExerciseKind
    sign_id: str | None
    distractor_ids: list[str]
    word: str | None
    prompt_es: str
    prompt_en: str
    version: int
    created_at: Stamp
    updated_at: Stamp


# What publishing or unpublishing answers: the row of the kind named in the path.
PublishableOut = AuthorLanguageOut | AuthorLevelOut | AuthorLessonOut | AuthorSignOut


class OrderOut(BaseModel):
    ids: list[str] = Field(description="the children's ids, in their new order")


class LessonSignsOut(BaseModel):
    sign_ids: list[str] = Field(description="the lesson's signs, in order")


# -- catalogue responses ----------------------------------------------------------------------------------------
# The read routes serve cached views, and each view is built by validating through these models (``reader.py``):
# a payload that drifts from them fails when the view is built. ``extra="forbid"`` makes an undeclared key such a
# drift too, instead of a field silently dropped.


def _media_ref_as_is(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    return value if isinstance(value, MediaRef) else handler(value)


# Where a view has a MediaRef, the response has a MediaOut: the ref is signed into one when the view is sent
# (``views.respond``), so a view keeps it as it is. The serializer is a lambda on purpose: a function with a return
# annotation would replace the documented schema (MediaOut) by that annotation's.
Media = Annotated[
    MediaOut | None,
    WrapValidator(_media_ref_as_is),
    WrapSerializer(lambda value, handler: value if isinstance(value, MediaRef) else handler(value)),
]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignSummaryOut(_Out, SignFields):
    status: str
    template_status: str
    media: Media


class SignOut(SignSummaryOut):
    language: str
    description_es: str
    description_en: str
    image: Media
    template_version: str | None


# What a learner reads of an exercise says what to do, never which choice is right: choices carry opaque option ids
# (not sign ids; see ``answers.OptionIds``) and only what the learner chooses among — the meanings when the sign is
# watched, the videos when the meaning is read. The answers are graded by the user service, which takes them from
# the answer-key route; authors previewing a lesson see them too (``PreviewExerciseOut``).


class ChoiceOut(_Out):
    id: str = Field(description="opaque option id, the one to send as the answer")
    meaning_es: str | None = Field(description="watch_choose_meaning: a meaning to choose")
    meaning_en: str | None
    media: Media = Field(description="meaning_choose_video: a video to choose")


class LetterOut(_Out):
    letter: str
    sign_id: str
    media: Media


class _ExerciseBase(_Out):
    id: str
    slug: str
    position: int
    kind: ExerciseKind
    prompt_es: str
    prompt_en: str
    media: Media = Field(description="watch_choose_meaning: the sign to watch")
    meaning_es: str | None = Field(description="meaning_choose_video: the meaning whose video to find")
    meaning_en: str | None
    sign: SignSummaryOut | None = Field(description="perform_sign: the sign to perform")
    word: str | None
    letters: list[LetterOut]


class ExerciseOut(_ExerciseBase):
    choices: list[ChoiceOut]


class PreviewChoiceOut(ChoiceOut):
    sign_id: str
    gloss: str
    correct: bool


class PreviewExerciseOut(_ExerciseBase):
    """An exercise as an author previews it: with its sign and which choice is right."""

    sign_id: str | None = Field(description="the right answer / the sign to perform")
    choices: list[PreviewChoiceOut]


class _LessonBase(_Out):
    id: str
    slug: str
    level_id: str
    language: str
    position: int
    title_es: str
    title_en: str
    description_es: str
    description_en: str
    status: str
    signs: list[SignSummaryOut]


class LessonOut(_LessonBase):
    exercises: list[ExerciseOut]


class LessonPreviewOut(_LessonBase):
    """``?preview=true`` (authors): drafts included, and every exercise with its answer."""

    exercises: list[PreviewExerciseOut]


# -- the answer key (``GET /content/internal/lessons/{id}/answer-key``: the user service, and authors) ----------------


class KeyOptionOut(_Out):
    id: str
    sign_id: str
    gloss: str
    meaning_es: str
    meaning_en: str
    correct: bool


class KeyExerciseOut(_Out):
    id: str
    kind: ExerciseKind
    position: int
    sign_id: str | None = Field(description="the sign asked about, or to perform (none for fingerspelling)")
    gloss: str | None
    meaning_es: str | None
    meaning_en: str | None
    options: list[KeyOptionOut] = Field(description="the choices (choice exercises), the right one marked")
    letters: list[str] = Field(description="fingerspell: the letters to spell, in order")
    word: str | None


class AnswerKeyOut(_Out):
    lesson_id: str
    level_id: str
    language: str
    sign_ids: list[str] = Field(description="the lesson's signs (what joins the learner's review deck)")
    exercises: list[KeyExerciseOut] = Field(description="exactly the exercises learners are shown, in order")
    course_lessons: int = Field(description="published lessons of the lesson's language")
    course_exercises: int = Field(description="their exercises: with course_lessons, what the course can give")


class LessonInLevelOut(_Out):
    id: str
    slug: str
    position: int
    title_es: str
    title_en: str
    status: str
    sign_ids: list[str]


class LevelOut(_Out):
    id: str
    slug: str
    language: str
    position: int
    title_es: str
    title_en: str
    description_es: str
    description_en: str
    status: str
    lessons: list[LessonInLevelOut]


class LanguageInfoOut(_Out):
    """A language's own fields (the head of its levels page)."""

    id: str
    code: str
    name_es: str
    name_en: str
    description_es: str
    description_en: str
    status: str


class LanguageOut(LanguageInfoOut):
    """A language in the list of languages."""

    level_count: int = Field(description="its levels the caller can see")


class LevelSummaryOut(_Out):
    id: str
    slug: str
    position: int
    title_es: str
    title_en: str
    description_es: str
    description_en: str
    status: str
    lesson_count: int


class LanguageLevelsOut(_Out):
    language: LanguageInfoOut
    levels: list[LevelSummaryOut]


class DictionaryPageOut(_Out):
    language: str
    items: list[SignSummaryOut]
    page: int
    page_size: int
    total: int
    pages: int
