"""The aws profile's own pieces: provisioning (names, idempotence), the wiring's readiness messages, S3 upload
URLs, Secrets Manager, SageMaker and Cognito (against moto in process, or a moto server where HTTP matters)."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from aws.aws_harness import REGION, aws_clients, fake_credentials, moto_in_process, moto_server_url, unique_prefix
from senas.core.settings import Settings, load_settings
from senas.platform import catalog
from senas.platform.errors import InvalidRequest, NotFound, Unavailable
from senas.wiring import Platform, build_platform
from senas.wiring.provision import Provisioner

SECRET = "x" * 40


@pytest.fixture
def moto() -> Iterator[None]:
    with moto_in_process():
        yield


def aws_settings(tmp_path: Path, prefix: str, **extra: object) -> Settings:
    values: dict[str, object] = {
        "profile": "aws",
        "signing_secret": SECRET,
        "database_url": "postgresql+asyncpg://app:pw@127.0.0.1:5432/senas",
        "database_secret_id": f"{prefix}database",
        "table_user_data": f"{prefix}UserData",
        "table_user_progress": f"{prefix}UserProgress",
        "table_ai_sessions": f"{prefix}AiSessions",
        "resource_prefix": f"{prefix}aplicacion-senas-dev",
        "aws_region": REGION,
        "cognito_user_pool_id": "us-east-1_placeholder",
        "cognito_client_id": "placeholder",
        "data_dir": tmp_path,
    }
    values.update(extra)
    return load_settings(**values)


# ---------------------------------------------------------------------------------------------- provisioning


async def test_provision_creates_everything_named_as_terraform_and_is_idempotent(moto: None, tmp_path: Path) -> None:
    prefix = unique_prefix()
    settings = aws_settings(tmp_path, prefix)
    clients = aws_clients()
    try:
        first = Provisioner(clients, settings).everything(secrets={settings.database_secret_id or "": "{}"})
        again = Provisioner(clients, settings).everything(secrets={settings.database_secret_id or "": "{}"})
        assert first.created
        assert not again.created, again.created
        assert set(first.outputs) == {"SENAS_COGNITO_USER_POOL_ID", "SENAS_COGNITO_CLIENT_ID"}
        assert first.outputs == again.outputs

        dynamodb, sqs, sns, s3 = (clients.client(name) for name in ("dynamodb", "sqs", "sns", "s3"))
        table = dynamodb.describe_table(TableName=f"{prefix}UserProgress")["Table"]
        assert [key["AttributeName"] for key in table["KeySchema"]] == ["pk", "sk"]
        assert table["GlobalSecondaryIndexes"][0]["IndexName"] == "gsi1"
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        ttl = dynamodb.describe_time_to_live(TableName=f"{prefix}UserProgress")["TimeToLiveDescription"]
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")

        work = sqs.get_queue_url(QueueName=f"{prefix}aplicacion-senas-dev-ml-inference")["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=work, AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attributes["RedrivePolicy"])
        assert redrive["maxReceiveCount"] == catalog.MAX_RECEIVE_COUNT
        assert redrive["deadLetterTargetArn"].endswith(f"{prefix}aplicacion-senas-dev-ml-inference-dlq")
        assert attributes["VisibilityTimeout"] == "60"

        encryption = s3.get_bucket_encryption(Bucket=f"{prefix}aplicacion-senas-dev-user-uploads")
        rule = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]
        assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

        topic_arn = next(
            topic["TopicArn"]
            for topic in sns.list_topics()["Topics"]
            if topic["TopicArn"].endswith(f"{prefix}aplicacion-senas-dev-achievement-notifs")
        )
        [subscription] = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
        assert subscription["Endpoint"].endswith(f"{prefix}aplicacion-senas-dev-user-notifications")
        assert (
            sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])["Attributes"][
                "RawMessageDelivery"
            ]
            == "true"
        )
    finally:
        await clients.close()


async def test_provision_command_prints_the_pool_settings(
    moto: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from senas.cli import app

    prefix = unique_prefix()
    settings = aws_settings(tmp_path, prefix)
    for name, value in {
        "SENAS_PROFILE": "aws",
        "SENAS_SIGNING_SECRET": SECRET,
        "SENAS_DATABASE_URL": settings.database_url or "",
        "SENAS_DATABASE_SECRET_ID": settings.database_secret_id or "",
        "SENAS_TABLE_USER_DATA": settings.table_user_data or "",
        "SENAS_TABLE_USER_PROGRESS": settings.table_user_progress or "",
        "SENAS_TABLE_AI_SESSIONS": settings.table_ai_sessions or "",
        "SENAS_RESOURCE_PREFIX": settings.resource_prefix or "",
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["aws", "provision"])
    assert result.exit_code == 0, result.output
    assert "SENAS_COGNITO_USER_POOL_ID=us-east-1_" in result.stdout
    clients = aws_clients()
    try:
        secret = clients.client("secretsmanager").get_secret_value(SecretId=f"{prefix}database")
        assert json.loads(secret["SecretString"]) == {"username": "app", "password": "pw"}
    finally:
        await clients.close()


def test_provision_without_region_fails_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from senas.cli import app

    for name in list(os.environ):
        if name.startswith("SENAS_") or name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["aws", "provision"])
    assert result.exit_code == 2
    assert "AWS_REGION" in result.output


# -------------------------------------------------------------------------------------------------- wiring


@pytest.fixture
async def unprovisioned(moto: None, tmp_path: Path) -> AsyncIterator[Platform]:
    platform = build_platform(aws_settings(tmp_path, unique_prefix()))
    try:
        yield platform
    finally:
        await platform.close()


async def test_readiness_names_each_missing_resource(unprovisioned: Platform) -> None:
    settings = unprovisioned.settings
    table = settings.table_name(catalog.USER_DATA)
    with pytest.raises(Unavailable, match=f"DynamoDB table {table} does not exist"):
        await unprovisioned.tables.table(table).ping()
    queue = settings.resource_name(catalog.VIDEO_PROCESSING)
    with pytest.raises(Unavailable, match=f"SQS queue {queue} does not exist"):
        await unprovisioned.queues.queue(queue).ping()
    bucket = settings.resource_name(catalog.USER_UPLOADS)
    with pytest.raises(Unavailable, match=f"S3 bucket {bucket} does not exist"):
        await unprovisioned.blobs.store(bucket).ping()
    with pytest.raises(Unavailable, match=r"SNS topic .*achievement-notifs does not exist"):
        await unprovisioned.topics.ping()
    with pytest.raises(Unavailable, match=f"secret {settings.database_secret_id} does not exist"):
        await unprovisioned.secrets.ping()  # type: ignore[attr-defined]


async def test_readiness_passes_once_provisioned(moto: None, tmp_path: Path) -> None:
    settings = aws_settings(tmp_path, unique_prefix())
    platform = build_platform(settings)
    try:
        Provisioner(platform.tables.clients, settings).everything(  # type: ignore[attr-defined]
            secrets={settings.database_secret_id or "": '{"username": "app", "password": "pw"}'}, identity=False
        )
        for logical in catalog.TABLES:
            await platform.tables.table(settings.table_name(logical)).ping()
        for logical in catalog.WORK_QUEUES:
            await platform.queues.queue(settings.resource_name(logical)).ping()
        for logical in catalog.BUCKETS:
            await platform.blobs.store(settings.resource_name(logical)).ping()
        await platform.topics.ping()
        await platform.secrets.ping()  # type: ignore[attr-defined]
        assert json.loads(await platform.secrets.get(settings.database_secret_id or ""))["username"] == "app"
        with pytest.raises(NotFound):
            await platform.secrets.get("no-such-secret")
    finally:
        await platform.close()


async def test_missing_credentials_make_readiness_fail_naming_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_") and name not in ("AWS_REGION",):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    import boto3

    from senas.platform.aws.clients import AwsClients
    from senas.platform.tables.aws import DynamoTables

    clients = AwsClients(region=REGION, endpoint_url="http://127.0.0.1:9", session=boto3.session.Session())
    tables = DynamoTables(clients, ["UserData"], owns_clients=True)
    try:
        with pytest.raises(Unavailable, match="no AWS credentials"):
            await tables.table("UserData").ping()
    finally:
        await tables.close()


def test_the_aws_profile_needs_the_user_pool(tmp_path: Path) -> None:
    from senas.core.settings import SettingsError

    with pytest.raises(SettingsError, match="SENAS_COGNITO_USER_POOL_ID"):
        build_platform(aws_settings(tmp_path, "x-", cognito_user_pool_id=None))


# ----------------------------------------------------------------------------------------------- S3 uploads


async def test_upload_url_signs_key_type_length_and_expiry(tmp_path: Path) -> None:
    from senas.platform.blobs.aws import S3Blobs

    with fake_credentials():
        clients = aws_clients(moto_server_url())
        store = S3Blobs(clients).store("bucket")
        try:
            signed = await store.signed_upload(
                "uploads/u1/a.webm", content_type="video/webm", max_bytes=1234, expires_in=120
            )
            query = parse_qs(urlsplit(signed.url).query)
            assert query["X-Amz-Expires"] == ["120"]
            assert query["X-Amz-SignedHeaders"] == ["content-length;content-type;host;if-none-match"]
            assert signed.headers == {"Content-Type": "video/webm", "Content-Length": "1234", "If-None-Match": "*"}
            assert urlsplit(signed.url).path == "/bucket/uploads/u1/a.webm"
            download = parse_qs(urlsplit(await store.signed_download("uploads/u1/a.webm", expires_in=30)).query)
            assert download["X-Amz-Expires"] == ["30"]
            for bad in (
                store.signed_upload("k", content_type="video/webm", max_bytes=-1),
                store.signed_upload("k", content_type="not a type", max_bytes=10),
                store.signed_upload("k", content_type="video/webm", max_bytes=10, expires_in=0),
                store.signed_upload("../k", content_type="video/webm", max_bytes=10),
                store.signed_download("k", expires_in=8 * 86400),
            ):
                with pytest.raises(InvalidRequest):
                    await bad
        finally:
            await clients.close()


async def test_the_sigv4_gate_refuses_what_s3_refuses() -> None:
    """The gate that stands in for S3's signature check in the blobs contract accepts a correct upload and
    refuses a wrong length, type, key or method — so the contract's 4xx answers come from real checks."""
    from aws.sigv4_gate import SigV4Gate

    with fake_credentials():
        url = moto_server_url()
        clients = aws_clients(url)
        bucket = unique_prefix() + "gate"
        await clients.call("s3", "create_bucket", Bucket=bucket)
        from senas.platform.blobs.aws import S3Blobs

        store = S3Blobs(clients).store(bucket)
        try:
            async with httpx.AsyncClient(transport=SigV4Gate(url.removeprefix("http://"))) as http:
                signed = await store.signed_upload("a.webm", content_type="video/webm", max_bytes=5)
                assert (await http.put(signed.url, content=b"12345", headers=signed.headers)).status_code == 200
                assert (
                    await http.put(signed.url, content=b"1234", headers={"Content-Type": "video/webm"})
                ).status_code == 403
                assert (
                    await http.put(signed.url, content=b"12345", headers={"Content-Type": "text/html"})
                ).status_code == 403
                assert (await http.get(signed.url)).status_code == 403
                download = await store.signed_download("a.webm")
                response = await http.get(download)
                assert (response.status_code, response.content) == (200, b"12345")
                assert (await http.get(download.replace("a.webm", "b.webm"))).status_code == 403
        finally:
            await clients.close()


# ------------------------------------------------------------------------------------------------- SageMaker


async def test_sagemaker_inference_round_trip_and_errors(tmp_path: Path) -> None:
    from senas.platform.inference.aws import SageMakerInference

    with fake_credentials():
        url = moto_server_url()
        answer = {"score": 87, "passed": True}
        async with httpx.AsyncClient() as http:
            queued = await http.post(
                f"{url}/moto-api/static/sagemaker/endpoint-results",
                json={"region": REGION, "results": [{"Body": json.dumps(answer), "ContentType": "application/json"}]},
            )
            queued.raise_for_status()
        clients = aws_clients(url)
        inference = SageMakerInference(clients, default_endpoint="senas-scorer")
        try:
            assert await inference.invoke("sign-scorer", {"landmarks": [[0.1, 0.2]]}) == answer
            with pytest.raises(InvalidRequest):
                await inference.invoke("sign-scorer", {"bad": float("nan")})
            with pytest.raises(NotFound):
                await SageMakerInference(clients).invoke("sign-scorer", {})
        finally:
            await clients.close()
