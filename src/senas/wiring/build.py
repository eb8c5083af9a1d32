"""Settings in, a ready ``Platform`` out: the profile decides which implementations run."""

from __future__ import annotations

from senas.core.settings import Settings, SettingsError
from senas.wiring.platform import Platform


def build_platform(settings: Settings) -> Platform:
    if settings.profile == "embedded":
        from senas.wiring.embedded import build_embedded_platform

        return build_embedded_platform(settings)
    if settings.profile == "aws":
        from senas.wiring.aws import build_aws_platform  # the only road to boto3

        return build_aws_platform(settings)
    raise SettingsError(f"unknown profile {settings.profile!r}; choose one of: embedded, aws")
