"""The messaging resources of the platform by their logical names — the one list that the local wiring, the
AWS provisioning command and the Terraform modules follow.

Physical names on AWS are ``<resource_prefix>-<logical name>`` (for example ``aplicacion-senas-dev-ml-inference``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from senas.platform.queues import QueueConfig

# Buckets
CONTENT_ASSETS = "content-assets"
USER_UPLOADS = "user-uploads"
ML_MODELS = "ml-models"
VIDEO_PROCESSING_BUCKET = "video-processing"  # processed artefacts (landmarks)
BUCKETS = (CONTENT_ASSETS, USER_UPLOADS, ML_MODELS, VIDEO_PROCESSING_BUCKET)

# Tables (logical names; physical names come from settings)
USER_DATA = "UserData"
USER_PROGRESS = "UserProgress"
AI_SESSIONS = "AiSessions"
TABLES = (USER_DATA, USER_PROGRESS, AI_SESSIONS)

# Queues: each work queue has a dead-letter queue called "<name>-dlq".
VIDEO_PROCESSING = "video-processing"  # content → ml: an upload is ready to be turned into landmarks
ML_INFERENCE = "ml-inference"  # ml video worker → ml inference worker
PRACTICE_RESULTS = "practice-results"  # ml → users: practice.scored
MEDIA_STATUS = "media-status"  # ml → content: an author's asset was processed or failed
USER_NOTIFICATIONS = "user-notifications"  # topics → users: fills each learner's inbox
CONTENT_ACCOUNT_EVENTS = "content-account-events"  # account-events → content: delete a user's uploads
ML_ACCOUNT_EVENTS = "ml-account-events"  # account-events → ml: delete a user's sessions and artefacts
WORK_QUEUES = (
    VIDEO_PROCESSING,
    ML_INFERENCE,
    PRACTICE_RESULTS,
    MEDIA_STATUS,
    USER_NOTIFICATIONS,
    CONTENT_ACCOUNT_EVENTS,
    ML_ACCOUNT_EVENTS,
)

# Topics
ACHIEVEMENT_NOTIFS = "achievement-notifs"
LEVEL_COMPLETION = "level-completion"
SYSTEM_ALERTS = "system-alerts"
ACCOUNT_EVENTS = "account-events"  # users → everyone: an account was deleted
TOPICS = (ACHIEVEMENT_NOTIFS, LEVEL_COMPLETION, SYSTEM_ALERTS, ACCOUNT_EVENTS)


@dataclass(frozen=True)
class Subscription:
    topic: str
    queue: str
    filter_types: tuple[str, ...] | None = None


SUBSCRIPTIONS = (
    Subscription(ACHIEVEMENT_NOTIFS, USER_NOTIFICATIONS),
    Subscription(LEVEL_COMPLETION, USER_NOTIFICATIONS),
    Subscription(ACCOUNT_EVENTS, CONTENT_ACCOUNT_EVENTS),
    Subscription(ACCOUNT_EVENTS, ML_ACCOUNT_EVENTS),
)

# Which service consumes which queue (the service's image runs that queue's worker).
CONSUMERS: dict[str, tuple[str, ...]] = {
    "content": (MEDIA_STATUS, CONTENT_ACCOUNT_EVENTS),
    "users": (PRACTICE_RESULTS, USER_NOTIFICATIONS),
    "ml": (VIDEO_PROCESSING, ML_INFERENCE, ML_ACCOUNT_EVENTS),
}

MAX_RECEIVE_COUNT = 5
VISIBILITY_TIMEOUTS: dict[str, float] = {VIDEO_PROCESSING: 120.0, ML_INFERENCE: 60.0}


def dead_letter_queue(name: str) -> str:
    return f"{name}-dlq"


def queue_configs(
    max_receive_count: int = MAX_RECEIVE_COUNT, physical: Callable[[str], str] = str
) -> list[QueueConfig]:
    """Every work queue with its DLQ, as the local implementation needs them declared, named by ``physical``
    (``Settings.resource_name``) so that the embedded and AWS deployments address queues the same way."""
    configs: list[QueueConfig] = []
    for logical in WORK_QUEUES:
        name = physical(logical)
        dlq = physical(dead_letter_queue(logical))
        configs.append(
            QueueConfig(
                name=name,
                visibility_timeout=VISIBILITY_TIMEOUTS.get(logical, 30.0),
                max_receive_count=max_receive_count,
                dead_letter_queue=dlq,
            )
        )
        configs.append(QueueConfig(name=dlq))
    return configs
