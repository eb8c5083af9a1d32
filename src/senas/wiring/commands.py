"""What every ``senas`` command that touches the platform starts with: validated settings (logging configured)
and the platform built from them, or a clear message and exit code 2."""

from __future__ import annotations

import typer
from rich.console import Console

from senas.core.logging import configure_logging
from senas.core.settings import Settings, SettingsError, load_settings
from senas.wiring.build import build_platform
from senas.wiring.platform import Platform

console = Console(stderr=True)


def settings_or_exit(**overrides: object) -> Settings:
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=2) from None
    configure_logging(settings.log_level, json=settings.log_json)
    return settings


def platform_or_exit(settings: Settings) -> Platform:
    try:
        return build_platform(settings)
    except SettingsError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=2) from None
