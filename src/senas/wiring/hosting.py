"""What the scoring model's hosting container (``senas ml serve-sagemaker``) needs from the platform: only the
ml-models store. It runs where the services' settings are not (a SageMaker endpoint has no database, tables or
signing secret), so it has settings of its own: the profile, the resource prefix and the region — on AWS the
store is the bucket ``<prefix>-ml-models``; embedded, the data directory's local store (for trying it out)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from senas.core.settings import DEFAULT_SIGNING_SECRET, PROFILES, SettingsError
from senas.platform import catalog
from senas.platform.blobs import BlobStore


class HostingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SENAS_", extra="ignore", frozen=True)

    profile: str = "embedded"
    data_dir: Path = Path(".senas-data")
    resource_prefix: str | None = None
    aws_region: str | None = Field(None, validation_alias="AWS_REGION")
    aws_endpoint_url: str | None = Field(None, validation_alias="AWS_ENDPOINT_URL")

    def bucket_name(self) -> str:
        return f"{self.resource_prefix}-{catalog.ML_MODELS}" if self.resource_prefix else catalog.ML_MODELS


def hosting_model_store(settings: HostingSettings) -> BlobStore:
    if settings.profile not in PROFILES:
        raise SettingsError(f"unknown profile {settings.profile!r}; choose one of: {', '.join(PROFILES)}")
    if settings.profile == "aws":
        if not settings.aws_region or not settings.resource_prefix:
            raise SettingsError("the scoring model on AWS needs AWS_REGION and SENAS_RESOURCE_PREFIX")
        from senas.platform.aws.clients import AwsClients  # the only road to boto3
        from senas.platform.blobs.aws import S3Blobs

        clients = AwsClients(region=settings.aws_region, endpoint_url=settings.aws_endpoint_url)
        return S3Blobs(clients).store(settings.bucket_name())
    from senas.platform.blobs.local import LocalBlobs

    # Read-only here: nothing is signed, so the development secret is never used for anything.
    local = LocalBlobs(
        settings.data_dir.expanduser().resolve() / "blobs",
        signing_secret=DEFAULT_SIGNING_SECRET.encode(),
        public_base_url="http://localhost",
    )
    return local.store(settings.bucket_name())
