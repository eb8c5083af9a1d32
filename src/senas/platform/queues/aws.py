"""The queues on SQS standard queues, each work queue with its dead-letter queue and redrive policy (created by
Terraform or ``senas aws provision``; the ``QueueConfig`` here only says which queues exist and which is whose DLQ).

SQS does the delivery semantics itself: visibility timeouts, receive counts, moving a message to the DLQ after
``maxReceiveCount`` receives, long polling (``WaitTimeSeconds``). SQS counts time in whole seconds, so delays,
waits and visibility timeouts are rounded *up*. Messages are validated against the same limits as the embedded
queue (:func:`senas.platform.queues.local.validate_message`) before they are sent.

Stale receipts: SQS ignores a ``DeleteMessage`` with an older delivery's receipt and refuses a
``ChangeMessageVisibility`` with one; the port wants both ignored, so that refusal is swallowed.

Redrive: ``StartMessageMoveTask`` moves a whole DLQ asynchronously and cannot move "at most N", so
``redrive_dead_letters`` moves messages itself — receive from the DLQ, send to the queue, delete from the DLQ —
which resets the receive count. The new copy carries the original message id in a hidden attribute, so the
port keeps reporting the id the message was first sent with (consumers dedupe on the envelope id anyway). A
crash between the send and the delete leaves a duplicate, never a loss (at-least-once, as everywhere).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from senas.platform.aws.clients import AwsClients, ClientError, error_code, error_message
from senas.platform.errors import InvalidRequest, NotFound, Unavailable
from senas.platform.queues import QueueConfig, QueueDepth, ReceivedMessage
from senas.platform.queues.local import (
    MAX_BATCH,
    MAX_DELAY_SECONDS,
    MAX_VISIBILITY_TIMEOUT,
    check_receive,
    check_seconds,
    validate_message,
)

__all__ = ["ORIGINAL_ID_ATTRIBUTE", "SqsQueue", "SqsQueues"]

ORIGINAL_ID_ATTRIBUTE = "senas-original-message-id"  # set on redriven copies; hidden from callers
MAX_ATTRIBUTES = 10
_MISSING_QUEUE = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
_BAD_RECEIPT = ("ReceiptHandleIsInvalid", "InvalidParameterValue", "InvalidParameterCombination", "ValidationError")
_REDRIVE_VISIBILITY = 60  # seconds a DLQ message is hidden while it is being moved
_REDRIVE_EMPTY_WAIT = 1  # SQS short polls may miss messages: confirm "empty" with a one-second long poll


def _seconds(value: float) -> int:
    return math.ceil(value)


def _check_receipt(receipt: str) -> str:
    # SQS receipt handles are long opaque tokens; anything short or with spaces cannot be one.
    if not isinstance(receipt, str) or len(receipt) < 20 or any(char.isspace() for char in receipt):
        raise InvalidRequest("malformed receipt handle")
    return receipt


def _attributes(attributes: Mapping[str, str] | None) -> dict[str, Any]:
    return {name: {"DataType": "String", "StringValue": value} for name, value in (attributes or {}).items()}


class SqsQueue:
    """One port queue on one SQS queue. Obtain it from :meth:`SqsQueues.queue`."""

    def __init__(self, owner: SqsQueues, config: QueueConfig, physical_name: str) -> None:
        self.name = config.name
        self.config = config
        self.physical_name = physical_name
        self._owner = owner
        self._url: str | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r} → {self.physical_name!r})"

    async def url(self) -> str:
        if self._url is None:
            try:
                response = await self._owner.clients.call("sqs", "get_queue_url", QueueName=self.physical_name)
            except ClientError as exc:
                if error_code(exc) in _MISSING_QUEUE:
                    raise Unavailable(f"SQS queue {self.physical_name} does not exist") from None
                raise Unavailable(f"SQS queue {self.physical_name}: {error_code(exc)} {error_message(exc)}") from None
            self._url = str(response["QueueUrl"])
        return self._url

    async def _call(self, operation: str, *, stale_ok: bool = False, **params: Any) -> dict[str, Any]:
        url = await self.url()
        try:
            return await self._owner.clients.call("sqs", operation, QueueUrl=url, **params)
        except ClientError as exc:
            code, message = error_code(exc), error_message(exc)
            if code in _MISSING_QUEUE:
                self._url = None
                raise Unavailable(f"SQS queue {self.physical_name} does not exist") from None
            if stale_ok and (
                code == "MessageNotInflight" or (code == "InvalidParameterValue" and "ReceiptHandle" in message)
            ):
                return {}  # the receipt of an earlier delivery: ignored, as the port promises
            if code in _BAD_RECEIPT or code.startswith("InvalidParameter"):
                raise InvalidRequest(f"{self.name}: {message}") from None
            raise Unavailable(f"SQS {code or 'error'} on {self.physical_name}: {message}") from None

    # ---- the port

    async def send(self, body: str, *, delay_seconds: float = 0, attributes: Mapping[str, str] | None = None) -> str:
        delay = check_seconds("delay_seconds", delay_seconds, MAX_DELAY_SECONDS)
        validate_message(body, attributes)
        if attributes and ORIGINAL_ID_ATTRIBUTE in attributes:
            raise InvalidRequest(f"the message attribute name {ORIGINAL_ID_ATTRIBUTE!r} is reserved")
        params: dict[str, Any] = {"MessageBody": body, "DelaySeconds": _seconds(delay)}
        if attributes:
            params["MessageAttributes"] = _attributes(attributes)
        response = await self._call("send_message", **params)
        return str(response["MessageId"])

    async def receive(
        self,
        *,
        max_messages: int = 1,
        wait_seconds: float = 0,
        visibility_timeout: float | None = None,
    ) -> list[ReceivedMessage]:
        wait, visibility = check_receive(max_messages, wait_seconds, visibility_timeout)
        params: dict[str, Any] = {
            "MaxNumberOfMessages": max_messages,
            "WaitTimeSeconds": _seconds(wait),
            "MessageAttributeNames": ["All"],
            "MessageSystemAttributeNames": ["ApproximateReceiveCount", "SentTimestamp"],
        }
        if visibility is not None:
            params["VisibilityTimeout"] = _seconds(visibility)
        response = await self._call("receive_message", **params)
        return [self._message(raw) for raw in response.get("Messages", [])]

    @staticmethod
    def _message(raw: dict[str, Any]) -> ReceivedMessage:
        system = raw.get("Attributes", {})
        attributes = {
            name: str(value.get("StringValue", "")) for name, value in raw.get("MessageAttributes", {}).items()
        }
        message_id = attributes.pop(ORIGINAL_ID_ATTRIBUTE, None) or str(raw["MessageId"])
        return ReceivedMessage(
            message_id=message_id,
            body=str(raw["Body"]),
            receipt=str(raw["ReceiptHandle"]),
            receive_count=int(system.get("ApproximateReceiveCount", 1)),
            attributes=attributes,
            sent_at=int(system.get("SentTimestamp", 0)) / 1000,
        )

    async def delete(self, receipt: str) -> None:
        await self._call("delete_message", ReceiptHandle=_check_receipt(receipt))

    async def change_visibility(self, receipt: str, timeout: float) -> None:  # noqa: ASYNC109 (the port's name)
        hidden_for = check_seconds("timeout", timeout, MAX_VISIBILITY_TIMEOUT)
        # SQS refuses the receipt of an earlier delivery ("not available for visibility timeout change");
        # the port ignores stale receipts, as DeleteMessage does.
        await self._call(
            "change_message_visibility",
            stale_ok=True,
            ReceiptHandle=_check_receipt(receipt),
            VisibilityTimeout=_seconds(hidden_for),
        )

    async def depth(self) -> QueueDepth:
        response = await self._call(
            "get_queue_attributes",
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )
        attributes = response.get("Attributes", {})
        return QueueDepth(
            visible=int(attributes.get("ApproximateNumberOfMessages", 0)),
            in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
            delayed=int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
        )

    async def redrive_dead_letters(self, *, max_messages: int | None = None) -> int:
        if max_messages is not None and (
            isinstance(max_messages, bool) or not isinstance(max_messages, int) or max_messages < 0
        ):
            raise InvalidRequest(f"max_messages must be a non-negative integer or None, got {max_messages!r}")
        if self.config.dead_letter_queue is None or max_messages == 0:
            return 0
        dlq = self._owner.queue(self.config.dead_letter_queue)
        moved = 0
        while max_messages is None or moved < max_messages:
            batch = MAX_BATCH if max_messages is None else min(MAX_BATCH, max_messages - moved)
            messages = await dlq.receive(max_messages=batch, visibility_timeout=_REDRIVE_VISIBILITY)
            if not messages:
                messages = await dlq.receive(
                    max_messages=batch, wait_seconds=_REDRIVE_EMPTY_WAIT, visibility_timeout=_REDRIVE_VISIBILITY
                )
            if not messages:
                break
            for message in messages:
                attributes = dict(message.attributes)
                if len(attributes) < MAX_ATTRIBUTES:
                    attributes[ORIGINAL_ID_ATTRIBUTE] = message.message_id
                params: dict[str, Any] = {"MessageBody": message.body, "MessageAttributes": _attributes(attributes)}
                await self._call("send_message", **params)
                await dlq.delete(message.receipt)
                moved += 1
        return moved

    async def purge(self) -> None:
        try:
            await self._call("purge_queue")
        except Unavailable as exc:
            if "PurgeQueueInProgress" not in str(exc):
                raise
            # SQS allows one purge a minute; the one in progress deletes what this one would have.

    async def ping(self) -> None:
        self._url = None
        await self.url()


class SqsQueues:
    """The declared queues of one deployment; ``physical_name`` maps a port name to the SQS queue name."""

    def __init__(
        self,
        clients: AwsClients,
        configs: Sequence[QueueConfig],
        *,
        physical_name: Callable[[str], str] = lambda name: name,
        owns_clients: bool = False,
    ) -> None:
        self.clients = clients
        self._owns_clients = owns_clients
        self._queues = {config.name: SqsQueue(self, config, physical_name(config.name)) for config in configs}

    def queue(self, name: str) -> SqsQueue:
        try:
            return self._queues[name]
        except KeyError:
            raise NotFound(f"queue {name!r} is not declared (known: {', '.join(sorted(self._queues))})") from None

    def declares(self, name: str) -> bool:
        return name in self._queues

    async def close(self) -> None:
        if self._owns_clients:
            await self.clients.close()


if TYPE_CHECKING:  # mypy proves the classes satisfy the ports
    from senas.platform.queues import Queue, Queues

    def _satisfies_ports(queues: SqsQueues, queue: SqsQueue) -> tuple[Queues, Queue]:
        return queues, queue
