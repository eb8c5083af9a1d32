from __future__ import annotations

import json

import pytest

from senas.core.messages import Envelope, InvalidMessage, attributes_of


def test_envelope_round_trips_with_every_field() -> None:
    envelope = Envelope.new("video.uploaded", {"asset_id": "a1", "señal": "ñ"}, producer="content")
    decoded = Envelope.from_json(envelope.to_json())
    assert decoded == envelope
    raw = json.loads(envelope.to_json())
    assert set(raw) == {"id", "type", "version", "occurred_at", "producer", "data"}
    assert raw["version"] == 1
    assert attributes_of(envelope)["type"] == "video.uploaded"


def test_each_envelope_gets_its_own_id() -> None:
    first = Envelope.new("a.b", {}, producer="x")
    second = Envelope.new("a.b", {}, producer="x")
    assert first.id != second.id


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("not json", "body"),
        ('{"id": "1"}', "type"),
        (
            '{"id":"1","type":"NoDots","version":1,"occurred_at":"2026-01-01T00:00:00Z","producer":"p","data":{}}',
            "type",
        ),
        (
            '{"id":"1","type":"a.b","version":0,"occurred_at":"2026-01-01T00:00:00Z","producer":"p","data":{}}',
            "version",
        ),
        (
            '{"id":"1","type":"a.b","version":1,"occurred_at":"2026-01-01T00:00:00Z","producer":"p","data":{},'
            '"extra":1}',
            "extra",
        ),
    ],
)
def test_invalid_envelopes_are_refused_naming_the_problem(body: str, problem: str) -> None:
    with pytest.raises(InvalidMessage, match=problem):
        Envelope.from_json(body)
