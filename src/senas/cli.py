"""The ``senas`` command: run the whole platform, one service, or one queue consumer."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable

from senas.aws_cli import app as aws_cli
from senas.content.cli import app as content_cli
from senas.core.collector import settle_for_serving
from senas.core.settings import LOOPBACK_HOSTS, SERVICE_PORTS, Settings
from senas.ml.cli import app as ml_cli
from senas.platform import catalog
from senas.users.cli import app as users_cli
from senas.wiring.commands import platform_or_exit, settings_or_exit

app = typer.Typer(help="Señas — plataforma de aprendizaje de lengua de señas.", no_args_is_help=True)
queues_app = typer.Typer(help="Inspect and operate the queues.", no_args_is_help=True)
app.add_typer(queues_app, name="queues")
app.add_typer(ml_cli, name="ml")
app.add_typer(content_cli, name="content")
app.add_typer(aws_cli, name="aws")
app.add_typer(users_cli, name="users")
console = Console(stderr=True)


def warn_if_exposed(settings: Settings, host: str) -> None:
    """The embedded profile is for one machine: its accounts, data and signed blob URLs are guarded by secrets
    kept in the data directory, but nothing in it is hardened for a network. Say so, loudly, when it listens on
    anything but the loopback interface."""
    if settings.profile != "embedded" or host in LOOPBACK_HOSTS or host.startswith("127."):
        return
    console.print(
        f"[bold red]AVISO / WARNING:[/] el perfil embedded escucha en {host}, fuera de esta máquina: cualquiera que "
        "alcance el puerto puede usar la plataforma. Úsalo solo en una red de confianza, detrás de HTTPS. / "
        f"the embedded profile is listening on {host}, beyond this machine: anyone who can reach the port can use "
        "the platform. Use it only on a trusted network, behind HTTPS.",
        soft_wrap=True,
    )


@app.command()
def up(
    host: Annotated[str | None, typer.Option(help="address to bind (default SENAS_HOST or 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default SENAS_PORT or 8080)")] = None,
    workers: Annotated[bool, typer.Option(help="run the queue consumers in this process")] = True,
) -> None:
    """Run all three services behind the local load balancer on one port, with their consumers."""
    import uvicorn

    from senas.gateway.app import create_gateway
    from senas.services import SERVICE_NAMES, build_app

    settings = settings_or_exit()
    bind_host = host or settings.host
    bind_port = port or settings.port
    platform = platform_or_exit(settings)
    run_consumers = workers and settings.run_workers
    services = {name: build_app(name, platform, run_consumers=run_consumers) for name in SERVICE_NAMES}
    gateway = create_gateway(platform, services)
    shown_host = "localhost" if bind_host in ("127.0.0.1", "0.0.0.0") else bind_host  # noqa: S104
    console.print(
        f"[bold green]Señas[/] escuchando en / listening on [bold]http://{shown_host}:{bind_port}[/]  "
        f"(profile {settings.profile}, data {settings.state_dir})",
        soft_wrap=True,
    )
    warn_if_exposed(settings, bind_host)
    settle_for_serving()
    # The gateway appends the client uvicorn reports to X-Forwarded-For: the socket peer, or what a configured
    # trusted proxy (SENAS_TRUSTED_PROXIES) said — never what the client wrote itself.
    uvicorn.run(gateway, host=bind_host, port=bind_port, log_config=None, access_log=False, **settings.server_options())


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="content | users | ml")],
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="port (default 8000 / 8001 / 8002)")] = None,
    workers: Annotated[bool, typer.Option(help="run this service's queue consumers")] = True,
    web_app: Annotated[
        bool, typer.Option("--web-app", help="also serve the learner web app at / (the user service on AWS)")
    ] = False,
) -> None:
    """Run one service alone on its own port, as its container does."""
    import uvicorn

    from senas.gateway.app import service_server
    from senas.services import SERVICE_NAMES, build_app

    if service not in SERVICE_NAMES:
        console.print(f"[bold red]error:[/] unknown service {service!r}; choose one of {', '.join(SERVICE_NAMES)}")
        raise typer.Exit(code=2)
    settings = settings_or_exit()
    platform = platform_or_exit(settings)
    service_app = build_app(service, platform, run_consumers=workers, owns_platform=True)
    asgi = service_server(service, service_app, platform, web_app=web_app)
    bind_port = port or SERVICE_PORTS[service]
    console.print(f"[bold green]Señas {service}[/] listening on http://{host}:{bind_port}", soft_wrap=True)
    warn_if_exposed(settings, host)
    settle_for_serving()
    uvicorn.run(asgi, host=host, port=bind_port, log_config=None, access_log=False, **settings.server_options())


@app.command()
def worker(
    queue: Annotated[str, typer.Argument(help="logical queue name, e.g. video-processing")],
    concurrency: Annotated[int | None, typer.Option(help="messages handled at once")] = None,
) -> None:
    """Run one queue's consumer alone (stops cleanly on SIGTERM / Ctrl-C, finishing what it holds)."""
    from senas.core.app import build_consumers
    from senas.services import build_root

    owners = [name for name, queues in catalog.CONSUMERS.items() if queue in queues]
    if not owners:
        known = ", ".join(q for queues in catalog.CONSUMERS.values() for q in queues)
        console.print(f"[bold red]error:[/] no service consumes {queue!r}; consumed queues: {known}")
        raise typer.Exit(code=2)
    settings = settings_or_exit(**({"consumer_concurrency": concurrency} if concurrency else {}))
    owner = owners[0]

    async def main() -> None:
        platform = platform_or_exit(settings)
        root = build_root(owner, platform)
        wanted = settings.resource_name(queue)
        consumers = [c for c in build_consumers(root, None) if c.queue.name == wanted]
        if not consumers:
            console.print(f"[bold red]error:[/] the {owner} service has no handlers for {queue!r} yet")
            await root.aclose()
            raise typer.Exit(code=2)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, consumers[0].stop)
        console.print(f"[bold green]worker[/] consuming {consumers[0].queue.name}")
        settle_for_serving()
        try:
            # Without the service's lifespan: what a consumer needs (the database, the models) it opens on first
            # use, and start-up work (migrations, the demo course, the outbox sweep) stays with the service.
            await consumers[0].run()
        finally:
            await root.aclose()

    asyncio.run(main())


@queues_app.command("depth")
def queues_depth() -> None:
    """Messages visible, in flight and delayed in every queue and dead-letter queue."""
    settings = settings_or_exit()

    async def main() -> None:
        platform = platform_or_exit(settings)
        table = RichTable("queue", "visible", "in flight", "delayed")
        try:
            for config in catalog.queue_configs(physical=settings.resource_name):
                depth = await platform.queues.queue(config.name).depth()
                table.add_row(config.name, str(depth.visible), str(depth.in_flight), str(depth.delayed))
        finally:
            await platform.close()
        Console().print(table)

    asyncio.run(main())


@queues_app.command("redrive")
def queues_redrive(
    queue: Annotated[str, typer.Argument(help="logical queue name whose DLQ to drain")],
) -> None:
    """Move the messages of a queue's dead-letter queue back to it."""
    if queue not in catalog.WORK_QUEUES:
        console.print(f"[bold red]error:[/] unknown queue {queue!r}; choose one of {', '.join(catalog.WORK_QUEUES)}")
        raise typer.Exit(code=2)
    settings = settings_or_exit()

    async def main() -> int:
        platform = platform_or_exit(settings)
        try:
            return await platform.queues.queue(settings.resource_name(queue)).redrive_dead_letters()
        finally:
            await platform.close()

    moved = asyncio.run(main())
    Console().print(f"moved {moved} message(s) from {queue}-dlq back to {queue}")


@app.command("check-settings")
def check_settings() -> None:
    """Validate the configuration and print it (secrets hidden)."""
    settings = settings_or_exit()
    table = RichTable("setting", "value")
    for name, value in settings.model_dump().items():
        table.add_row(name, str(value))
    Console().print(table)


if __name__ == "__main__":
    app()
