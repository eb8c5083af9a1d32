"""What the user service's routes and consumers share, built once by ``bootstrap.py``: its settings, its declared
ports (two tables, the queues it consumes, the topics it publishes to), the identity provider, the content and ML
services' APIs, the clock, the live-notification hub and the background runner of progress follow-ups."""

from __future__ import annotations

from dataclasses import dataclass, field

from senas.contracts.content_api import ContentApi
from senas.contracts.ml_api import MlApi
from senas.core.ratelimit import HitPool
from senas.platform import catalog
from senas.platform.identity import Identity
from senas.platform.queues import Queue
from senas.platform.tables import Table
from senas.users.background import BackgroundWork
from senas.users.clock import Clock, SystemClock
from senas.users.notifications.hub import NotificationHub
from senas.users.progress.recent import RecentAttempts
from senas.users.progress.turns import LearnerTurns
from senas.users.settings import UsersSettings
from senas.wiring.resources import DeclaredPorts, Topic, queue, table, topic
from senas.wiring.roots import ServiceContext

PRODUCER = "users"


@dataclass(frozen=True)
class UsersPorts(DeclaredPorts):
    user_data: Table = table(catalog.USER_DATA)
    progress: Table = table(catalog.USER_PROGRESS)
    practice_results: Queue = queue(catalog.PRACTICE_RESULTS)
    notifications: Queue = queue(catalog.USER_NOTIFICATIONS)
    achievement_notifs: Topic = topic(catalog.ACHIEVEMENT_NOTIFS)
    level_completion: Topic = topic(catalog.LEVEL_COMPLETION)
    account_events: Topic = topic(catalog.ACCOUNT_EVENTS)


@dataclass
class UsersContext(ServiceContext[UsersPorts, UsersSettings]):
    identity: Identity
    content: ContentApi
    ml: MlApi
    clock: Clock = field(default_factory=SystemClock)
    hub: NotificationHub = field(default_factory=NotificationHub)
    background: BackgroundWork = field(default_factory=BackgroundWork)
    progress_hits: HitPool = field(default_factory=HitPool)  # the learners' progress-write budgets, written in batches
    followup_failures: set[str] = field(default_factory=set)  # learners with a follow-up to try again
    recent_attempts: RecentAttempts = field(default_factory=RecentAttempts)  # what this process last wrote of each
    learner_turns: LearnerTurns = field(default_factory=LearnerTurns)  # a learner's progress events, one at a time

    def topic(self, logical: str) -> Topic:
        """A topic this service declared (the outbox keeps the logical name of where each message goes)."""
        return self.ports.topic(logical)
