"""Answers of the studio routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from senas.content.catalog.schemas import AuthorSignOut


class StudioSignOut(AuthorSignOut):
    may_change: bool = Field(description="whether the caller may change this sign (its author, or an admin)")


class Problem(BaseModel):
    where: str = Field(description="what the problem is in, e.g. `lesson «Saludos» › sign HELLO`")
    code: Literal["no_exercises", "no_lessons", "sign_draft", "sign_no_video", "template_not_ready", "parent_draft"]
    blocking: bool = Field(description="publishing would show learners something broken; fix it first")
    message_es: str
    message_en: str


class ChecklistOut(BaseModel):
    kind: Literal["lessons", "levels"]
    id: str
    status: str
    ready: bool = Field(description="no blocking problem: publishing is safe")
    problems: list[Problem]


class BundleImportOut(BaseModel):
    created: int
    updated: int
    unchanged: int
    media_stored: int
    media_skipped: int
