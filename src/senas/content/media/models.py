"""Media assets: one stored blob (bucket + key) with its type, size, checksum and processing state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from senas.content.db import Base, UtcDateTime, new_id, utcnow

PENDING_UPLOAD = "pending_upload"
UPLOADED = "uploaded"
PROCESSING = "processing"
PROCESSED = "processed"
FAILED = "failed"
ASSET_STATES = (PENDING_UPLOAD, UPLOADED, PROCESSING, PROCESSED, FAILED)
# States in which the blob exists and can be shown to learners.
VISIBLE_STATES = (UPLOADED, PROCESSING, PROCESSED, FAILED)


class MediaAsset(Base):
    __tablename__ = "media_asset"
    __table_args__ = (
        CheckConstraint("state in ('pending_upload', 'uploaded', 'processing', 'processed', 'failed')", name="state"),
        CheckConstraint("purpose in ('reference', 'image')", name="purpose"),
        Index("ix_media_asset_sign", "sign_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    bucket: Mapped[str] = mapped_column(String(63))  # logical name (catalog.CONTENT_ASSETS)
    key: Mapped[str] = mapped_column(String(1024), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    checksum: Mapped[str | None] = mapped_column(String(128), default=None)
    state: Mapped[str] = mapped_column(String(16), default=PENDING_UPLOAD)
    purpose: Mapped[str] = mapped_column(String(16))
    # Generated illustrative media (not a real signer); shown with a notice.
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # Which sign the asset was uploaded for. Not a foreign key: the sign refers to its assets, and a cycle of
    # foreign keys would complicate migrations for nothing (deleting a sign deletes its assets in the service).
    sign_id: Mapped[str | None] = mapped_column(String(36), default=None)
    original_filename: Mapped[str] = mapped_column(String(255), default="")
    failure_reason_es: Mapped[str | None] = mapped_column(String(500), default=None)
    failure_reason_en: Mapped[str | None] = mapped_column(String(500), default=None)
    created_by: Mapped[str | None] = mapped_column(String(128), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    # When the processing state last changed, by the time of the message that changed it: an older message
    # arriving late (at-least-once delivery, no ordering) does not overwrite a newer outcome.
    status_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
