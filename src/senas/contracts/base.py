"""The base of every message contract: a Pydantic model of an envelope's ``data`` with its type and version."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from senas.core.messages import Envelope


class ContractMismatch(ValueError):
    """The envelope is not this contract's type/version, or its data does not fit the schema."""


class MessageContract(BaseModel):
    """Subclasses set ``TYPE`` and ``VERSION``; unknown fields are refused so that a typo on one side fails
    loudly instead of being silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1

    def to_envelope(self, producer: str) -> Envelope:
        return Envelope.new(self.TYPE, self.model_dump(mode="json"), producer=producer, version=self.VERSION)

    @classmethod
    def from_envelope(cls, envelope: Envelope) -> Self:
        if envelope.type != cls.TYPE:
            raise ContractMismatch(f"expected a {cls.TYPE!r} message, got {envelope.type!r}")
        if envelope.version != cls.VERSION:
            raise ContractMismatch(
                f"{cls.TYPE!r} version {envelope.version} is not supported (this code reads version {cls.VERSION})"
            )
        try:
            return cls.model_validate(envelope.data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'data'}: {e['msg']}" for e in exc.errors()[:5]
            )
            raise ContractMismatch(f"invalid {cls.TYPE!r} data: {problems}") from None
