"""catalogue: sign languages, levels, lessons, signs, exercises

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS_CHECK = "status in ('draft', 'published')"


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    revision_table = op.create_table(
        "catalog_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_revision")),
    )
    op.bulk_insert(revision_table, [{"id": 1, "value": 0}])
    op.create_table(
        "sign_language",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name_es", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("description_es", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        *_stamps(),
        sa.CheckConstraint(STATUS_CHECK, name=op.f("ck_sign_language_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_language")),
        sa.UniqueConstraint("code", name=op.f("uq_sign_language_code")),
    )
    op.create_table(
        "level",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("language_id", sa.String(length=36), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title_es", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("description_es", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        *_stamps(),
        sa.CheckConstraint(STATUS_CHECK, name=op.f("ck_level_status")),
        sa.ForeignKeyConstraint(
            ["language_id"],
            ["sign_language.id"],
            name=op.f("fk_level_language_id_sign_language"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_level")),
        sa.UniqueConstraint("language_id", "slug", name=op.f("uq_level_language_id_slug")),
    )
    op.create_index("ix_level_language_position", "level", ["language_id", "position"])
    op.create_table(
        "sign",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("language_id", sa.String(length=36), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("gloss", sa.String(length=120), nullable=False),
        sa.Column("meaning_es", sa.String(length=300), nullable=False),
        sa.Column("meaning_en", sa.String(length=300), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=False),
        sa.Column("handshape", sa.String(length=80), nullable=False),
        sa.Column("region", sa.String(length=120), nullable=False),
        sa.Column("description_es", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("template_status", sa.String(length=16), nullable=False),
        sa.Column("template_key", sa.String(length=1024), nullable=True),
        sa.Column("template_version", sa.String(length=64), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("category_norm", sa.String(length=80), nullable=False),
        sa.Column("handshape_norm", sa.String(length=80), nullable=False),
        *_stamps(),
        sa.CheckConstraint(STATUS_CHECK, name=op.f("ck_sign_status")),
        sa.CheckConstraint(
            "template_status in ('none', 'pending', 'ready', 'failed')", name=op.f("ck_sign_template_status")
        ),
        sa.ForeignKeyConstraint(
            ["language_id"],
            ["sign_language.id"],
            name=op.f("fk_sign_language_id_sign_language"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign")),
        sa.UniqueConstraint("language_id", "slug", name=op.f("uq_sign_language_id_slug")),
    )
    op.create_index("ix_sign_language_category", "sign", ["language_id", "category_norm"])
    op.create_index("ix_sign_language_handshape", "sign", ["language_id", "handshape_norm"])
    op.create_table(
        "lesson",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("level_id", sa.String(length=36), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title_es", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("description_es", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        *_stamps(),
        sa.CheckConstraint(STATUS_CHECK, name=op.f("ck_lesson_status")),
        sa.ForeignKeyConstraint(["level_id"], ["level.id"], name=op.f("fk_lesson_level_id_level"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson")),
        sa.UniqueConstraint("level_id", "slug", name=op.f("uq_lesson_level_id_slug")),
    )
    op.create_index("ix_lesson_level_position", "lesson", ["level_id", "position"])
    op.create_table(
        "exercise",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("lesson_id", sa.String(length=36), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("sign_id", sa.String(length=36), nullable=True),
        sa.Column("distractor_ids", sa.JSON(), nullable=False),
        sa.Column("word", sa.String(length=40), nullable=True),
        sa.Column("prompt_es", sa.String(length=300), nullable=False),
        sa.Column("prompt_en", sa.String(length=300), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind in ('watch_choose_meaning', 'meaning_choose_video', 'perform_sign', 'fingerspell')",
            name=op.f("ck_exercise_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lesson.id"], name=op.f("fk_exercise_lesson_id_lesson"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["sign_id"], ["sign.id"], name=op.f("fk_exercise_sign_id_sign"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise")),
        sa.UniqueConstraint("lesson_id", "slug", name=op.f("uq_exercise_lesson_id_slug")),
    )
    op.create_index("ix_exercise_lesson_position", "exercise", ["lesson_id", "position"])
    op.create_table(
        "lesson_sign",
        sa.Column("lesson_id", sa.String(length=36), nullable=False),
        sa.Column("sign_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lesson.id"], name=op.f("fk_lesson_sign_lesson_id_lesson"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["sign_id"], ["sign.id"], name=op.f("fk_lesson_sign_sign_id_sign"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lesson_id", "sign_id", name=op.f("pk_lesson_sign")),
    )


def downgrade() -> None:
    op.drop_table("lesson_sign")
    op.drop_index("ix_exercise_lesson_position", table_name="exercise")
    op.drop_table("exercise")
    op.drop_index("ix_lesson_level_position", table_name="lesson")
    op.drop_table("lesson")
    op.drop_index("ix_sign_language_handshape", table_name="sign")
    op.drop_index("ix_sign_language_category", table_name="sign")
    op.drop_table("sign")
    op.drop_index("ix_level_language_position", table_name="level")
    op.drop_table("level")
    op.drop_table("sign_language")
    op.drop_table("catalog_revision")
