from __future__ import annotations

from pathlib import Path

from senas.core.messages import Envelope, publish
from senas.core.settings import load_settings
from senas.platform import catalog
from senas.wiring import build_platform, declare_subscriptions
from senas.wiring.resources import Topic


async def test_embedded_platform_names_resources_like_aws_and_subscribes_queues(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, resource_prefix="aplicacion-senas-dev")
    platform = build_platform(settings)
    try:
        await declare_subscriptions(platform)
        envelope = Envelope.new("achievement.earned", {"user_id": "u1"}, producer="users")
        await publish(Topic(platform.topics, settings.resource_name(catalog.ACHIEVEMENT_NOTIFS)), envelope)
        inbox = platform.queues.queue("aplicacion-senas-dev-user-notifications")
        received = await inbox.receive(max_messages=1, wait_seconds=1)
        assert [Envelope.from_json(m.body).id for m in received] == [envelope.id]
        assert (await platform.queues.queue("aplicacion-senas-dev-video-processing-dlq").depth()).visible == 0
    finally:
        await platform.close()
