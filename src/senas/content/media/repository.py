"""Queries of media assets."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from senas.content.media.models import MediaAsset


class MediaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, asset: MediaAsset) -> None:
        self.session.add(asset)

    async def flush(self) -> None:
        await self.session.flush()

    async def get(self, asset_id: str, *, for_update: bool = False) -> MediaAsset | None:
        query = select(MediaAsset).where(MediaAsset.id == asset_id)
        if for_update:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def by_key(self, key: str) -> MediaAsset | None:
        return await self.session.scalar(select(MediaAsset).where(MediaAsset.key == key))
