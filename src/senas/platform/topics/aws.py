"""The topics on SNS, delivering into SQS queues (raw message delivery, so a queue receives the published body
and attributes exactly as sent) with filter policies on the ``type`` attribute.

The topics and their subscriptions are created by Terraform or ``senas aws provision``; ``subscribe`` exists for
the port's sake (tests, tooling) and does what they do: one raw-delivery subscription per (topic, queue), its
filter replaced on every call, and a statement in the queue's policy that lets the topic deliver.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from senas.platform.aws.clients import AwsClients, ClientError, error_code, error_message
from senas.platform.errors import InvalidRequest, NotFound, Unavailable
from senas.platform.queues.aws import SqsQueues
from senas.platform.queues.local import validate_message

__all__ = ["SnsTopics"]

TYPE_ATTRIBUTE = "type"
_ACCEPT_EVERYTHING = "{}"  # SNS's way to remove a subscription's filter policy


class SnsTopics:
    """``topic_names`` are the port names that readiness checks; ``physical_name`` maps a port name to the SNS
    topic name (queues are resolved through ``queues``)."""

    def __init__(
        self,
        clients: AwsClients,
        queues: SqsQueues,
        *,
        topic_names: Iterable[str] = (),
        physical_name: Callable[[str], str] = lambda name: name,
    ) -> None:
        self.clients = clients
        self._queues = queues
        self._topic_names = tuple(topic_names)
        self._physical_name = physical_name
        self._arn_prefix: str | None = None

    async def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        try:
            return await self.clients.call("sns", operation, **params)
        except ClientError as exc:
            code, message = error_code(exc), error_message(exc)
            if code in ("NotFound", "NotFoundException"):
                raise Unavailable(f"SNS: {message}") from None
            if code in ("InvalidParameter", "InvalidParameterValue", "ValidationError"):
                raise InvalidRequest(f"SNS: {message}") from None
            raise Unavailable(f"SNS {code or 'error'}: {message}") from None

    async def topic_arn(self, topic: str) -> str:
        """``arn:<partition>:sns:<region>:<account>:<name>``; the account comes from STS once."""
        if not isinstance(topic, str) or not topic:
            raise InvalidRequest("a topic needs a non-empty name")
        if self._arn_prefix is None:
            try:
                identity = await self.clients.call("sts", "get_caller_identity")
            except ClientError as exc:
                raise Unavailable(f"cannot tell the AWS account: {error_code(exc)} {error_message(exc)}") from None
            partition = str(identity["Arn"]).split(":")[1]
            self._arn_prefix = f"arn:{partition}:sns:{self.clients.region}:{identity['Account']}:"
        return self._arn_prefix + self._physical_name(topic)

    async def publish(self, topic: str, body: str, *, attributes: Mapping[str, str] | None = None) -> str:
        validate_message(body, attributes)
        params: dict[str, Any] = {"TopicArn": await self.topic_arn(topic), "Message": body}
        if attributes:
            params["MessageAttributes"] = {
                name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
            }
        response = await self._call("publish", **params)
        return str(response["MessageId"])

    async def subscribe(self, topic: str, queue: str, *, filter_types: Collection[str] | None = None) -> None:
        if not self._queues.declares(queue):
            raise NotFound(f"queue {queue!r} is not declared")
        if filter_types is not None:
            if isinstance(filter_types, str) or not filter_types:
                raise InvalidRequest("filter_types must be a non-empty collection of type names (or None)")
            if not all(isinstance(name, str) and name for name in filter_types):
                raise InvalidRequest("every filter type must be a non-empty string")
        topic_arn = await self.topic_arn(topic)
        sqs_queue = self._queues.queue(queue)
        queue_url = await sqs_queue.url()
        attributes = await self.clients.call(
            "sqs", "get_queue_attributes", QueueUrl=queue_url, AttributeNames=["QueueArn", "Policy"]
        )
        queue_arn = str(attributes["Attributes"]["QueueArn"])
        await self._allow_delivery(queue_url, queue_arn, topic_arn, attributes["Attributes"].get("Policy"))

        policy = json.dumps({TYPE_ATTRIBUTE: sorted(set(filter_types))}) if filter_types else _ACCEPT_EVERYTHING
        existing = await self._subscription(topic_arn, queue_arn)
        if existing is None:
            params: dict[str, Any] = {"RawMessageDelivery": "true"}
            if filter_types:
                params["FilterPolicy"] = policy
            await self._call("subscribe", TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes=params)
        else:
            await self._call(
                "set_subscription_attributes",
                SubscriptionArn=existing,
                AttributeName="FilterPolicy",
                AttributeValue=policy,
            )

    async def _subscription(self, topic_arn: str, queue_arn: str) -> str | None:
        token: str | None = None
        while True:
            params: dict[str, Any] = {"TopicArn": topic_arn}
            if token:
                params["NextToken"] = token
            page = await self._call("list_subscriptions_by_topic", **params)
            for entry in page.get("Subscriptions", []):
                if entry.get("Protocol") == "sqs" and entry.get("Endpoint") == queue_arn:
                    return str(entry["SubscriptionArn"])
            token = page.get("NextToken")
            if not token:
                return None

    async def _allow_delivery(self, queue_url: str, queue_arn: str, topic_arn: str, current: str | None) -> None:
        """Add the topic to the queue policy's SNS statement (SNS can only deliver where the queue allows it)."""
        policy: dict[str, Any] = json.loads(current) if current else {"Version": "2012-10-17", "Statement": []}
        statements = policy.setdefault("Statement", [])
        for statement in statements:
            if statement.get("Sid") == "TopicsDeliverHere":
                sources = statement.setdefault("Condition", {}).setdefault("ArnEquals", {}).get("aws:SourceArn", [])
                sources = [sources] if isinstance(sources, str) else list(sources)
                if topic_arn in sources:
                    return
                statement["Condition"]["ArnEquals"]["aws:SourceArn"] = [*sources, topic_arn]
                break
        else:
            statements.append(
                {
                    "Sid": "TopicsDeliverHere",
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": [topic_arn]}},
                }
            )
        await self.clients.call(
            "sqs", "set_queue_attributes", QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)}
        )

    async def ping(self) -> None:
        for topic in self._topic_names:
            arn = await self.topic_arn(topic)
            try:
                await self.clients.call("sns", "get_topic_attributes", TopicArn=arn)
            except ClientError as exc:
                if error_code(exc) in ("NotFound", "NotFoundException"):
                    raise Unavailable(f"SNS topic {self._physical_name(topic)} does not exist") from None
                raise Unavailable(f"SNS topic {self._physical_name(topic)}: {error_code(exc)}") from None


if TYPE_CHECKING:  # mypy proves the class satisfies the port
    from senas.platform.topics import Topics

    def _satisfies_port(topics: SnsTopics) -> Topics:
        return topics
