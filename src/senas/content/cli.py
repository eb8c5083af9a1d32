"""``senas content …``: migrations, bundle import/export and the demo course, for operators and containers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from senas.wiring.commands import platform_or_exit, settings_or_exit

app = typer.Typer(help="Contenido: migraciones, paquetes de contenido y curso de demostración.", no_args_is_help=True)
console = Console(stderr=True)
out = Console()


@asynccontextmanager
async def _service(migrate_first: bool = False) -> AsyncIterator[tuple[Any, Any]]:
    """The content database and ports, as the service's composition root builds them."""
    from senas.content import bootstrap, migrate

    root = bootstrap.build(platform_or_exit(settings_or_exit()))
    try:
        database = await root.context.database.ensure()
        if migrate_first:
            await migrate.upgrade(database.engine)
        yield database, root.context.ports
    finally:
        await root.context.database.close()
        await root.aclose()


def _progress_bar() -> tuple[Progress, Callable[[int, int, str], None]]:
    bar = Progress(
        TextColumn("[bold]media[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeRemainingColumn(),
        console=console,
    )
    task = bar.add_task("", total=None)

    def advance(done: int, total: int, name: str) -> None:
        bar.update(task, completed=done, total=total, description=name)

    return bar, advance


@app.command()
def migrate(
    grant_app_role: Annotated[
        bool,
        typer.Option(
            help="then create (or re-password) the services' database role from SENAS_DATABASE_APP_SECRET_ID and "
            "give it DML on the schema (PostgreSQL; the migration task runs as the master user)"
        ),
    ] = False,
) -> None:
    """Upgrade the content database to the latest schema (what a container runs before it serves)."""

    async def main() -> str | None:
        from senas.content import bootstrap
        from senas.content import migrate as migrations
        from senas.content.db import DatabaseConfigError
        from senas.content.db_roles import app_credentials
        from senas.content.db_roles import grant_app_role as grant
        from senas.platform.errors import PortError

        settings = settings_or_exit()
        if grant_app_role and not settings.database_app_secret_id:
            _fail("--grant-app-role needs SENAS_DATABASE_APP_SECRET_ID (the app role's secret)")
        platform = platform_or_exit(settings)
        root = bootstrap.build(platform)
        try:
            database = await root.context.database.ensure()
            await migrations.upgrade(database.engine)
            if grant_app_role:
                secret_id = settings.database_app_secret_id or ""
                try:
                    username, password = app_credentials(await platform.secrets.get(secret_id), secret_id=secret_id)
                    await grant(database.engine, username, password)
                except (DatabaseConfigError, PortError) as exc:  # a malformed or missing secret
                    _fail(str(exc))
                out.print(f"database role [bold]{username}[/] has DML on the schema")
            return await migrations.current(database.engine)
        finally:
            await root.context.database.close()
            await root.aclose()

    revision = asyncio.run(main())
    out.print(f"content database at revision [bold]{revision}[/]")


def _fail(message: str) -> NoReturn:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code=1)


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="bundle folder (bundle.yaml + media/)")],
) -> None:
    """Import a content bundle: all or nothing; every problem is listed with its location."""
    from senas.content.bundles.format import BundleInvalid
    from senas.content.bundles.importer import import_bundle

    async def main() -> dict[str, int]:
        async with _service(migrate_first=True) as (database, ports):
            bar, advance = _progress_bar()
            with bar:
                async with database.sessions() as session:
                    report = await import_bundle(session, ports, path, progress=advance)
            return report.as_dict()

    try:
        report = asyncio.run(main())
    except BundleInvalid as exc:
        console.print(f"[bold red]bundle refused, nothing changed[/] — {len(exc.problems)} problem(s):")
        for problem in exc.problems:
            console.print(f"  • {problem}", markup=False)
        raise typer.Exit(code=1) from None
    out.print("imported: " + ", ".join(f"{name} {count}" for name, count in report.items()))


@app.command()
def export(
    path: Annotated[Path, typer.Argument(help="folder to write (created if missing)")],
    language: Annotated[list[str] | None, typer.Option(help="only these language codes")] = None,
) -> None:
    """Export the catalogue (drafts included) as a bundle that `senas content import` reads back."""
    from senas.content.bundles.exporter import export_bundle

    async def main() -> dict[str, int]:
        async with _service() as (database, ports):
            bar, advance = _progress_bar()
            with bar:
                async with database.sessions() as session:
                    return await export_bundle(session, ports, path, codes=language or (), progress=advance)

    counts = asyncio.run(main())
    out.print(f"exported to {path}: " + ", ".join(f"{name} {count}" for name, count in counts.items()))


@app.command("seed-demo")
def seed_demo_command(
    force: Annotated[bool, typer.Option(help="import even when the database already has languages")] = False,
) -> None:
    """Load the demo course (ASL alphabet and numbers, generated demo media)."""
    from senas.content.seed import seed_demo

    async def main() -> dict[str, int] | None:
        async with _service(migrate_first=True) as (database, ports):
            bar, advance = _progress_bar()
            with bar:
                report = await seed_demo(database, ports, only_if_empty=not force, progress=advance)
            return None if report is None else report.as_dict()

    report = asyncio.run(main())
    if report is None:
        out.print("the database already has content; nothing loaded (use --force to import anyway)")
    else:
        out.print("demo course loaded: " + ", ".join(f"{name} {count}" for name, count in report.items()))
