"""``senas aws …``: operate the AWS side. boto3 is imported only when a command runs."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import unquote, urlsplit

import typer
from rich.console import Console

app = typer.Typer(help="AWS: create the platform's resources (tables, buckets, queues, topics, pool, secrets).")
console = Console(stderr=True)


def database_credentials(url: str | None) -> tuple[str | None, str | None]:
    """User name and password written in a database URL (``postgresql+asyncpg://user:pw@host/db``)."""
    if not url:
        return None, None
    parts = urlsplit(url)
    return (unquote(parts.username) if parts.username else None, unquote(parts.password) if parts.password else None)


@app.command()
def provision(
    database_username: Annotated[
        str | None, typer.Option(help="user for the database secret (default: from SENAS_DATABASE_URL)")
    ] = None,
    database_password: Annotated[
        str | None, typer.Option(help="password for the database secret (default: from SENAS_DATABASE_URL)")
    ] = None,
    identity: Annotated[bool, typer.Option(help="create the Cognito user pool, its groups and app client")] = True,
) -> None:
    """Create every resource against the configured endpoint (AWS_ENDPOINT_URL), named as Terraform names them.

    Idempotent: existing resources are kept and brought to the wanted settings. Prints the settings the services
    still need (the user pool and client ids) as KEY=value lines on standard output."""
    from senas.core.settings import SettingsError, load_settings
    from senas.platform.aws.clients import AwsClients, ClientError
    from senas.platform.errors import Unavailable
    from senas.wiring.provision import Provisioner

    try:
        settings = load_settings()
    except SettingsError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=2) from None
    if not settings.aws_region:
        console.print("[bold red]error:[/] set AWS_REGION")
        raise typer.Exit(code=2)
    secrets: dict[str, str] = {}
    if settings.database_secret_id:
        url_user, url_password = database_credentials(settings.database_url)
        username, password = database_username or url_user, database_password or url_password
        if not username or not password:
            console.print(
                f"[bold red]error:[/] the secret {settings.database_secret_id} needs --database-username and "
                "--database-password (or credentials in SENAS_DATABASE_URL)"
            )
            raise typer.Exit(code=2)
        secrets[settings.database_secret_id] = json.dumps({"username": username, "password": password})

    clients = AwsClients(region=settings.aws_region, endpoint_url=settings.aws_endpoint_url)
    where = settings.aws_endpoint_url or f"AWS {settings.aws_region}"
    console.print(f"provisioning against {where}")
    provisioner = Provisioner(clients, settings, progress=lambda line: console.print(f"  {line}"))
    try:
        result = provisioner.everything(secrets=secrets, identity=identity)
    except (ClientError, Unavailable) as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=1) from None
    except Exception as exc:  # botocore's NoCredentialsError, EndpointConnectionError, …
        console.print(f"[bold red]error:[/] {type(exc).__name__}: {exc}")
        raise typer.Exit(code=1) from None
    console.print(f"done: {len(result.created)} created, {len(result.existing)} already there")
    for name, value in result.outputs.items():
        typer.echo(f"{name}={value}")
