from __future__ import annotations

from pathlib import Path

import pytest

from senas.core.settings import DEFAULT_SIGNING_SECRET, Settings, SettingsError, load_settings

AWS_REQUIRED = {
    "profile": "aws",
    "signing_secret": "x" * 40,
    "database_url": "postgresql+asyncpg://db.internal:5432/content_db",
    "table_user_data": "aplicacion-senas-dev-UserData",
    "table_user_progress": "aplicacion-senas-dev-UserProgress",
    "table_ai_sessions": "aplicacion-senas-dev-AiSessions",
    "resource_prefix": "aplicacion-senas-dev",
    "AWS_REGION": "eu-west-1",
}


def test_embedded_is_the_default(settings: Settings) -> None:
    assert settings.profile == "embedded"
    assert settings.signing_secret.get_secret_value() == DEFAULT_SIGNING_SECRET
    assert settings.content_database_url.startswith("sqlite+aiosqlite:///")


def test_data_dir_is_created_on_first_use(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "state"
    settings = load_settings(data_dir=target)
    assert not target.exists()
    assert settings.state_dir == target.resolve()
    assert target.is_dir()


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SENAS_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("SENAS_PORT", "9090")
    settings = load_settings()
    assert settings.port == 9090
    assert settings.data_dir == tmp_path / "d"


def test_unknown_profile_is_refused_with_the_choices() -> None:
    with pytest.raises(SettingsError, match=r"profile: unknown profile 'cloud'; choose one of: embedded, aws"):
        load_settings(profile="cloud")


def test_aws_profile_lists_every_missing_setting() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(profile="aws", signing_secret="y" * 40)
    message = str(caught.value)
    for name in ("SENAS_DATABASE_URL", "SENAS_TABLE_USER_DATA", "SENAS_TABLE_AI_SESSIONS", "AWS_REGION"):
        assert name in message


def test_default_signing_secret_is_refused_outside_embedded() -> None:
    values = {**AWS_REQUIRED, "signing_secret": DEFAULT_SIGNING_SECRET}
    with pytest.raises(SettingsError, match="SENAS_SIGNING_SECRET must be set"):
        load_settings(**values)


def test_short_signing_secret_is_refused_outside_embedded() -> None:
    with pytest.raises(SettingsError, match="at least 32 characters"):
        load_settings(**{**AWS_REQUIRED, "signing_secret": "short"})


def test_complete_aws_settings_are_accepted_and_name_resources() -> None:
    settings = load_settings(**AWS_REQUIRED)
    assert settings.table_name("UserData") == "aplicacion-senas-dev-UserData"
    assert settings.resource_name("ml-inference") == "aplicacion-senas-dev-ml-inference"
    assert settings.content_database_url == AWS_REQUIRED["database_url"]


def test_invalid_port_names_the_field() -> None:
    with pytest.raises(SettingsError, match=r"port: "):
        load_settings(port=70000)
