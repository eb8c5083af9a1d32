"""Tables of the course catalogue. Ids are UUID strings; slugs are unique per parent and stable (kept when a
title changes). ``search_text``/``*_norm`` columns hold :func:`senas.content.text.normalise`d copies maintained
by the application, so accent-insensitive search behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from senas.content.db import Base, UtcDateTime, new_id, utcnow

DRAFT = "draft"
PUBLISHED = "published"
STATUSES = (DRAFT, PUBLISHED)

EXERCISE_KINDS = ("watch_choose_meaning", "meaning_choose_video", "perform_sign", "fingerspell")
TEMPLATE_STATUSES = ("none", "pending", "ready", "failed")


class _Stamped:
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class _Owned:
    # The author who made it (their account id); None: the operator's (the demo course, an imported bundle).
    owner_id: Mapped[str | None] = mapped_column(String(128), default=None)


class _Described:
    description_es: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")


class _Placed(_Described):
    """A level or a lesson: a slug, a place among its siblings, a title and a description in both languages."""

    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    title_es: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))


class SignLanguage(_Stamped, _Owned, _Described, Base):
    __tablename__ = "sign_language"
    __table_args__ = (CheckConstraint("status in ('draft', 'published')", name="status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # ISO 639-3 where one exists: ase, lsm → mfs
    name_es: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))


class Level(_Stamped, _Owned, _Placed, Base):
    __tablename__ = "level"
    __table_args__ = (
        UniqueConstraint("language_id", "slug"),
        CheckConstraint("status in ('draft', 'published')", name="status"),
        Index("ix_level_language_position", "language_id", "position"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    language_id: Mapped[str] = mapped_column(ForeignKey("sign_language.id", ondelete="CASCADE"))


class Lesson(_Stamped, _Owned, _Placed, Base):
    __tablename__ = "lesson"
    __table_args__ = (
        UniqueConstraint("level_id", "slug"),
        CheckConstraint("status in ('draft', 'published')", name="status"),
        Index("ix_lesson_level_position", "level_id", "position"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    level_id: Mapped[str] = mapped_column(ForeignKey("level.id", ondelete="CASCADE"))


class Sign(_Stamped, _Owned, _Described, Base):
    __tablename__ = "sign"
    __table_args__ = (
        UniqueConstraint("language_id", "slug"),
        CheckConstraint("status in ('draft', 'published')", name="status"),
        CheckConstraint("template_status in ('none', 'pending', 'ready', 'failed')", name="template_status"),
        Index("ix_sign_language_category", "language_id", "category_norm"),
        Index("ix_sign_language_handshape", "language_id", "handshape_norm"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    language_id: Mapped[str] = mapped_column(ForeignKey("sign_language.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    gloss: Mapped[str] = mapped_column(String(120))
    meaning_es: Mapped[str] = mapped_column(String(300))
    meaning_en: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(80), default="")
    handshape: Mapped[str] = mapped_column(String(80), default="")
    region: Mapped[str] = mapped_column(String(120), default="")  # regional variant; "" = general
    # The asset learners watch (an author's reference video, or a generated demo animation) and an image.
    reference_asset_id: Mapped[str | None] = mapped_column(
        ForeignKey("media_asset.id", ondelete="SET NULL"), default=None
    )
    image_asset_id: Mapped[str | None] = mapped_column(ForeignKey("media_asset.id", ondelete="SET NULL"), default=None)
    template_status: Mapped[str] = mapped_column(String(16), default="none")
    template_key: Mapped[str | None] = mapped_column(String(1024), default=None)
    template_version: Mapped[str | None] = mapped_column(String(64), default=None)
    search_text: Mapped[str] = mapped_column(Text, default="")
    category_norm: Mapped[str] = mapped_column(String(80), default="")
    handshape_norm: Mapped[str] = mapped_column(String(80), default="")

    def words(self) -> dict[str, str]:
        """What the author wrote to name and place the sign: the part of it every listing and every bundle
        repeats, in this order."""
        return {
            "slug": self.slug,
            "gloss": self.gloss,
            "meaning_es": self.meaning_es,
            "meaning_en": self.meaning_en,
            "category": self.category,
            "handshape": self.handshape,
            "region": self.region,
        }


class LessonSign(Base):
    """The signs a lesson teaches, in order."""

    __tablename__ = "lesson_sign"

    lesson_id: Mapped[str] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True)
    sign_id: Mapped[str] = mapped_column(ForeignKey("sign.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class Exercise(_Owned, Base):
    __tablename__ = "exercise"
    __table_args__ = (
        UniqueConstraint("lesson_id", "slug"),
        CheckConstraint(
            "kind in ('watch_choose_meaning', 'meaning_choose_video', 'perform_sign', 'fingerspell')", name="kind"
        ),
        Index("ix_exercise_lesson_position", "lesson_id", "position"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    # The sign to recognise or perform (None for fingerspelling, whose letters come from ``word``).
    sign_id: Mapped[str | None] = mapped_column(ForeignKey("sign.id", ondelete="CASCADE"), default=None)
    # Wrong answers offered beside the right one (sign ids), for the two multiple-choice kinds.
    distractor_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    word: Mapped[str | None] = mapped_column(String(40), default=None)
    prompt_es: Mapped[str] = mapped_column(String(300), default="")
    prompt_en: Mapped[str] = mapped_column(String(300), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class CatalogRevision(Base):
    """One row whose ``value`` every author write raises (in the same transaction): readers compare it with
    their cached views, so a cache never serves content older than the last committed write, in any process."""

    __tablename__ = "catalog_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
