"""``senas aws provision``: create every resource of a deployment against whatever endpoint is configured
(``AWS_ENDPOINT_URL``: moto, DynamoDB Local, or AWS itself), named exactly as Terraform names them.

Idempotent: an existing resource is left in place and brought to the wanted settings (TTL, redrive policy,
subscription filter, bucket encryption). Terraform stays the way production is built; this command is for
emulators, throwaway accounts and the end-to-end test.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from senas.core.settings import Settings
from senas.platform import catalog
from senas.platform.aws.clients import AwsClients, ClientError, error_code
from senas.platform.queues import QueueConfig
from senas.platform.tables import EXPIRES_AT, GSI1, GSI1_PK, GSI1_SK, PK, SK

ROLE_GROUPS = ("learner", "teacher", "admin")
MESSAGE_RETENTION_SECONDS = 4 * 86400
DEAD_LETTER_RETENTION_SECONDS = 14 * 86400
RECEIVE_WAIT_SECONDS = 20


def user_pool_name(settings: Settings) -> str:
    return settings.resource_name("users")


def app_client_name(settings: Settings) -> str:
    return settings.resource_name("app")


def _found(describe: Callable[[], object], *missing: str) -> bool:
    """Whether ``describe`` finds the resource: False on one of the ``missing`` error codes (each service names
    "not there" its own way), any other error raised."""
    try:
        describe()
    except ClientError as exc:
        if error_code(exc) not in missing:
            raise
        return False
    return True


def table_definition(name: str) -> dict[str, Any]:
    """The one key design of every table (Terraform's modules/dynamodb-tables)."""
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": attribute, "AttributeType": "S"} for attribute in (PK, SK, GSI1_PK, GSI1_SK)
        ],
        "KeySchema": [{"AttributeName": PK, "KeyType": "HASH"}, {"AttributeName": SK, "KeyType": "RANGE"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": GSI1,
                "KeySchema": [
                    {"AttributeName": GSI1_PK, "KeyType": "HASH"},
                    {"AttributeName": GSI1_SK, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        "SSESpecification": {"Enabled": True},
    }


@dataclass
class Provisioned:
    """What exists after provisioning (and what was created this time)."""

    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)  # settings the services need, e.g. the user pool id

    def note(self, what: str, created: bool) -> None:
        (self.created if created else self.existing).append(what)


class Provisioner:
    def __init__(
        self, clients: AwsClients, settings: Settings, *, progress: Callable[[str], None] = lambda _: None
    ) -> None:
        self.clients = clients
        self.settings = settings
        self.progress = progress
        self.result = Provisioned()

    def _note(self, what: str, created: bool) -> None:
        self.result.note(what, created)
        self.progress(f"{'created' if created else 'exists '} {what}")

    # ---- DynamoDB

    def table(self, name: str) -> None:
        dynamodb = self.clients.client("dynamodb")
        created = not _found(lambda: dynamodb.describe_table(TableName=name), "ResourceNotFoundException")
        if created:
            try:
                dynamodb.create_table(**table_definition(name))
            except ClientError as create_error:  # DynamoDB Local has no SSE: create without it
                if error_code(create_error) != "ValidationException":
                    raise
                definition = table_definition(name)
                definition.pop("SSESpecification")
                dynamodb.create_table(**definition)
        dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
        ttl = dynamodb.describe_time_to_live(TableName=name).get("TimeToLiveDescription", {})
        if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": EXPIRES_AT}
            )
        self._note(f"DynamoDB table {name}", created)

    # ---- S3

    def bucket(self, name: str) -> None:
        s3 = self.clients.client("s3")
        created = not _found(lambda: s3.head_bucket(Bucket=name), "404", "NoSuchBucket", "NotFound")
        if created:
            params: dict[str, Any] = {"Bucket": name}
            if self.clients.region != "us-east-1":
                params["CreateBucketConfiguration"] = {"LocationConstraint": self.clients.region}
            s3.create_bucket(**params)
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        self._note(f"S3 bucket {name}", created)

    # ---- SQS

    def _queue(self, name: str, attributes: dict[str, str]) -> str:
        sqs = self.clients.client("sqs")
        try:
            url: str = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
            self._note(f"SQS queue {name}", False)
        except ClientError as exc:
            if error_code(exc) not in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
                raise
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            self._note(f"SQS queue {name}", True)
        return url

    def queue_arn(self, url: str) -> str:
        attributes = self.clients.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return str(attributes["Attributes"]["QueueArn"])

    def sqs_queue(
        self,
        name: str,
        *,
        visibility_timeout: float = 30,
        dead_letter_url: str | None = None,
        max_receive_count: int = catalog.MAX_RECEIVE_COUNT,
        retention_seconds: int = MESSAGE_RETENTION_SECONDS,
        receive_wait_seconds: int = 0,
    ) -> str:
        """One queue (with its redrive policy when it has a DLQ); returns its URL."""
        attributes = {
            "VisibilityTimeout": str(math.ceil(visibility_timeout)),
            "MessageRetentionPeriod": str(retention_seconds),
            "ReceiveMessageWaitTimeSeconds": str(receive_wait_seconds),
            "SqsManagedSseEnabled": "true",
        }
        if dead_letter_url is not None:
            redrive = {"deadLetterTargetArn": self.queue_arn(dead_letter_url), "maxReceiveCount": max_receive_count}
            attributes["RedrivePolicy"] = json.dumps(redrive)
        return self._queue(name, attributes)

    def queues_of(self, configs: Sequence[QueueConfig], physical_name: Callable[[str], str]) -> dict[str, str]:
        """The queues of port configurations, dead-letter queues first; returns the URL of each by port name."""
        dead_letter_names = {config.dead_letter_queue for config in configs if config.dead_letter_queue}
        ordered = sorted(configs, key=lambda config: config.name not in dead_letter_names)
        urls: dict[str, str] = {}
        for config in ordered:
            urls[config.name] = self.sqs_queue(
                physical_name(config.name),
                visibility_timeout=config.visibility_timeout,
                dead_letter_url=urls[config.dead_letter_queue] if config.dead_letter_queue else None,
                max_receive_count=config.max_receive_count,
                retention_seconds=(
                    DEAD_LETTER_RETENTION_SECONDS if config.name in dead_letter_names else MESSAGE_RETENTION_SECONDS
                ),
            )
        return urls

    def queue_with_dead_letters(self, logical: str) -> str:
        """A work queue of the catalog and its DLQ, with the redrive policy; returns the work queue's URL."""
        name = self.settings.resource_name(logical)
        dlq_url = self.sqs_queue(catalog.dead_letter_queue(name), retention_seconds=DEAD_LETTER_RETENTION_SECONDS)
        return self.sqs_queue(
            name,
            visibility_timeout=catalog.VISIBILITY_TIMEOUTS.get(logical, 30.0),
            dead_letter_url=dlq_url,
            receive_wait_seconds=RECEIVE_WAIT_SECONDS,
        )

    # ---- SNS

    def topic(self, logical: str) -> str:
        name = self.settings.resource_name(logical)
        sns = self.clients.client("sns")
        existing = {
            topic["TopicArn"].rsplit(":", 1)[-1]: topic["TopicArn"]
            for page in sns.get_paginator("list_topics").paginate()
            for topic in page.get("Topics", [])
        }
        arn: str = existing.get(name) or sns.create_topic(Name=name)["TopicArn"]
        self._note(f"SNS topic {name}", name not in existing)
        return arn

    def subscription(self, subscription: catalog.Subscription, topic_arn: str, queue_url: str) -> None:
        sns, sqs = self.clients.client("sns"), self.clients.client("sqs")
        queue_arn = self.queue_arn(queue_url)
        attributes = {"RawMessageDelivery": "true"}
        if subscription.filter_types:
            attributes["FilterPolicy"] = json.dumps({"type": sorted(subscription.filter_types)})
        current = [
            entry
            for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn)
            for entry in page.get("Subscriptions", [])
            if entry.get("Endpoint") == queue_arn and entry.get("Protocol") == "sqs"
        ]
        if current:
            arn = current[0]["SubscriptionArn"]
            for name, value in attributes.items():
                sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName=name, AttributeValue=value)
            if not subscription.filter_types:
                sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="FilterPolicy", AttributeValue="{}")
        else:
            sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes=attributes)
        # Let the topics deliver into the queue (SNS needs sqs:SendMessage from the topic's ARN).
        topics = sorted(
            {
                self.settings.resource_name(entry.topic)
                for entry in catalog.SUBSCRIPTIONS
                if entry.queue == subscription.queue
            }
        )
        arns = [topic_arn.rsplit(":", 1)[0] + ":" + topic for topic in topics]
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "TopicsDeliverHere",
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": arns}},
                }
            ],
        }
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
        self._note(f"subscription {subscription.topic} → {subscription.queue}", not current)

    # ---- Cognito

    def user_pool(self) -> tuple[str, str]:
        cognito = self.clients.client("cognito-idp")
        name = user_pool_name(self.settings)
        pools = [
            pool
            for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60)
            for pool in page.get("UserPools", [])
            if pool["Name"] == name
        ]
        if pools:
            pool_id = str(pools[0]["Id"])
        else:
            pool_id = cognito.create_user_pool(
                PoolName=name,
                UsernameAttributes=["email"],
                AutoVerifiedAttributes=["email"],
                MfaConfiguration="OPTIONAL",
                Policies={
                    "PasswordPolicy": {
                        "MinimumLength": 12,
                        "RequireLowercase": True,
                        "RequireUppercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": False,
                    }
                },
                UsernameConfiguration={"CaseSensitive": False},
            )["UserPool"]["Id"]
            cognito.set_user_pool_mfa_config(
                UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL"
            )
        self._note(f"Cognito user pool {name} ({pool_id})", not pools)
        groups = {group["GroupName"] for group in cognito.list_groups(UserPoolId=pool_id).get("Groups", [])}
        for role in ROLE_GROUPS:
            if role not in groups:
                cognito.create_group(UserPoolId=pool_id, GroupName=role, Description=f"Señas {role}s")
            self._note(f"Cognito group {role}", role not in groups)
        client_name = app_client_name(self.settings)
        clients = [
            client
            for client in cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60).get("UserPoolClients", [])
            if client["ClientName"] == client_name
        ]
        if clients:
            client_id = str(clients[0]["ClientId"])
        else:
            client_id = cognito.create_user_pool_client(
                UserPoolId=pool_id,
                ClientName=client_name,
                GenerateSecret=False,
                PreventUserExistenceErrors="ENABLED",
                EnableTokenRevocation=True,
                ExplicitAuthFlows=[
                    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                    "ALLOW_REFRESH_TOKEN_AUTH",
                    "ALLOW_USER_PASSWORD_AUTH",
                    "ALLOW_USER_SRP_AUTH",
                ],
            )["UserPoolClient"]["ClientId"]
        self._note(f"Cognito app client {client_name} ({client_id})", not clients)
        return pool_id, client_id

    # ---- Secrets Manager

    def secret(self, name: str, value: str) -> None:
        secrets = self.clients.client("secretsmanager")
        created = not _found(lambda: secrets.describe_secret(SecretId=name), "ResourceNotFoundException")
        if created:
            secrets.create_secret(Name=name, SecretString=value)
        self._note(f"secret {name}", created)

    # ---- everything

    def everything(self, *, secrets: dict[str, str] | None = None, identity: bool = True) -> Provisioned:
        for logical in catalog.TABLES:
            self.table(self.settings.table_name(logical))
        for logical in catalog.BUCKETS:
            self.bucket(self.settings.resource_name(logical))
        queue_urls = {logical: self.queue_with_dead_letters(logical) for logical in catalog.WORK_QUEUES}
        topic_arns = {logical: self.topic(logical) for logical in catalog.TOPICS}
        for subscription in catalog.SUBSCRIPTIONS:
            self.subscription(subscription, topic_arns[subscription.topic], queue_urls[subscription.queue])
        if identity:
            pool_id, client_id = self.user_pool()
            self.result.outputs["SENAS_COGNITO_USER_POOL_ID"] = pool_id
            self.result.outputs["SENAS_COGNITO_CLIENT_ID"] = client_id
        for name, value in (secrets or {}).items():
            self.secret(name, value)
        return self.result
