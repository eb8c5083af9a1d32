"""Every table of the content database, imported together so the metadata is complete (Alembic, tests)."""

from senas.content.catalog.models import (
    CatalogRevision,
    Exercise,
    Lesson,
    LessonSign,
    Level,
    Sign,
    SignLanguage,
)
from senas.content.db import Base
from senas.content.media.models import MediaAsset
from senas.content.practice.models import PracticeUpload

metadata = Base.metadata

__all__ = [
    "Base",
    "CatalogRevision",
    "Exercise",
    "Lesson",
    "LessonSign",
    "Level",
    "MediaAsset",
    "PracticeUpload",
    "Sign",
    "SignLanguage",
    "metadata",
]
