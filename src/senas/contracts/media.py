"""Messages between the content service and the ML service about uploaded videos.

Flow: content → ``video-processing`` queue: :class:`VideoUploaded` (an author's reference video of a sign, or a
learner's practice attempt). ML → ``media-status`` queue: :class:`MediaProcessed` / :class:`MediaFailed`, for
reference videos only (practice results go to the user service as ``practice.scored``), and
:class:`TemplateReady` for templates built without an upload (the demo course's).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from senas.contracts.base import MessageContract

_ID = Field(min_length=1, max_length=128)
UploadPurpose = Literal["reference", "practice"]


class VideoUploaded(MessageContract):
    """A video is in its bucket and ready to be turned into landmarks.

    ``purpose="reference"``: an author's video of ``sign_id`` (media asset ``asset_id``); the ML service builds
    the sign's template and answers on ``media-status``. ``purpose="practice"``: a learner's attempt, bound to
    the practice session ``session_id`` of ``user_id`` that the ML service created.
    """

    TYPE: ClassVar[str] = "video.uploaded"
    VERSION: ClassVar[int] = 1

    upload_id: str = _ID
    purpose: UploadPurpose
    bucket: str = Field(min_length=1, max_length=63, description="logical bucket name, e.g. user-uploads")
    key: str = Field(min_length=1, max_length=1024)
    content_type: str = Field(min_length=1, max_length=255)
    size: int = Field(ge=0)
    sign_id: str | None = Field(default=None, max_length=128)
    asset_id: str | None = Field(default=None, max_length=128)
    session_id: str | None = Field(default=None, max_length=128)
    user_id: str | None = Field(default=None, max_length=128)
    # A reference upload names its sign too: a draft sign is not readable from the content service's public
    # routes, and an author's draft must get its template before it is published (issue 17).
    language: str | None = Field(default=None, max_length=16)
    slug: str | None = Field(default=None, max_length=80)
    gloss: str | None = Field(default=None, max_length=120)

    @model_validator(mode="after")
    def _fields_of_the_purpose(self) -> VideoUploaded:
        if self.purpose == "reference":
            missing = [name for name in ("sign_id", "asset_id") if not getattr(self, name)]
        else:
            missing = [name for name in ("session_id", "user_id") if not getattr(self, name)]
        if missing:
            raise ValueError(f"a {self.purpose} upload needs {', '.join(missing)}")
        return self


class MediaProcessed(MessageContract):
    """The reference video ``asset_id`` of ``sign_id`` became the template stored at ``template_key``."""

    TYPE: ClassVar[str] = "media.processed"
    VERSION: ClassVar[int] = 1

    asset_id: str = _ID
    sign_id: str = _ID
    template_key: str = Field(min_length=1, max_length=1024)
    template_version: str = Field(min_length=1, max_length=64)


class MediaFailed(MessageContract):
    """The reference video ``asset_id`` could not be processed; the reason is shown to the author."""

    TYPE: ClassVar[str] = "media.failed"
    VERSION: ClassVar[int] = 1

    asset_id: str = _ID
    reason_es: str = Field(min_length=1, max_length=500)
    reason_en: str = Field(min_length=1, max_length=500)


class TemplateReady(MessageContract):
    """The ML service holds a template for the sign ``language``/``slug`` that no author's upload produced (the
    demo course's templates, ``senas ml templates rebuild``), so the content service can show the sign as
    practisable. Signs whose template comes from a reference video are reported by :class:`MediaProcessed`."""

    TYPE: ClassVar[str] = "template.ready"
    VERSION: ClassVar[int] = 1

    language: str = Field(min_length=1, max_length=32)
    slug: str = Field(min_length=1, max_length=200)
    template_key: str = Field(min_length=1, max_length=1024)
    template_version: int = Field(ge=1)
