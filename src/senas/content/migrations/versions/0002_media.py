"""media assets, practice uploads, and the signs' reference video and image

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media_asset",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("bucket", sa.String(length=63), nullable=False),
        sa.Column("key", sa.String(length=1024), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("checksum", sa.String(length=128), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("sign_id", sa.String(length=36), nullable=True),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("failure_reason_es", sa.String(length=500), nullable=True),
        sa.Column("failure_reason_en", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("purpose in ('reference', 'image')", name=op.f("ck_media_asset_purpose")),
        sa.CheckConstraint(
            "state in ('pending_upload', 'uploaded', 'processing', 'processed', 'failed')",
            name=op.f("ck_media_asset_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_asset")),
        sa.UniqueConstraint("key", name=op.f("uq_media_asset_key")),
    )
    op.create_index("ix_media_asset_sign", "media_asset", ["sign_id"])
    op.create_table(
        "practice_upload",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("session_id", sa.String(length=128), nullable=False),
        sa.Column("bucket", sa.String(length=63), nullable=False),
        sa.Column("key", sa.String(length=1024), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("checksum", sa.String(length=128), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state in ('pending_upload', 'uploaded')", name=op.f("ck_practice_upload_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_upload")),
        sa.UniqueConstraint("key", name=op.f("uq_practice_upload_key")),
    )
    op.create_index("ix_practice_upload_user", "practice_upload", ["user_id"])
    # Batch mode: SQLite cannot add a foreign key to an existing table, so Alembic rebuilds it there.
    with op.batch_alter_table("sign") as batch:
        batch.add_column(sa.Column("reference_asset_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("image_asset_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key(
            op.f("fk_sign_reference_asset_id_media_asset"),
            "media_asset",
            ["reference_asset_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            op.f("fk_sign_image_asset_id_media_asset"),
            "media_asset",
            ["image_asset_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("sign") as batch:
        batch.drop_constraint(op.f("fk_sign_image_asset_id_media_asset"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_sign_reference_asset_id_media_asset"), type_="foreignkey")
        batch.drop_column("image_asset_id")
        batch.drop_column("reference_asset_id")
    op.drop_index("ix_practice_upload_user", table_name="practice_upload")
    op.drop_table("practice_upload")
    op.drop_index("ix_media_asset_sign", table_name="media_asset")
    op.drop_table("media_asset")
