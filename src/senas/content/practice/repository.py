"""Queries of practice uploads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from senas.content.practice.models import PracticeUpload


class PracticeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, upload: PracticeUpload) -> None:
        self.session.add(upload)

    async def get(self, upload_id: str) -> PracticeUpload | None:
        return await self.session.get(PracticeUpload, upload_id)

    async def of_user(self, user_id: str) -> list[PracticeUpload]:
        return list(await self.session.scalars(select(PracticeUpload).where(PracticeUpload.user_id == user_id)))

    async def since(self, user_id: str, start: datetime) -> tuple[int, int, datetime | None]:
        """(uploads, bytes, the oldest one's time) the user asked for since ``start``."""
        row = (
            await self.session.execute(
                select(
                    func.count(), func.coalesce(func.sum(PracticeUpload.size), 0), func.min(PracticeUpload.created_at)
                )
                .where(PracticeUpload.user_id == user_id)
                .where(PracticeUpload.created_at >= start)
            )
        ).one()
        return int(row[0]), int(row[1]), row[2]

    async def delete_ids(self, upload_ids: list[str]) -> None:
        if upload_ids:
            await self.session.execute(delete(PracticeUpload).where(PracticeUpload.id.in_(upload_ids)))
