"""``senas users …``: operator commands on accounts.

``grant-admin EMAIL`` replaces the old ``SENAS_USERS_BOOTSTRAP_ADMIN_EMAIL`` (issue 14 #7), which made whoever
signed up first with that address an admin — again after that account was deleted — with no proof of owning it.
Running a command where the platform's settings and credentials are is that proof. Through the identity port: the
embedded accounts in the data directory, or Cognito (``AdminAddUserToGroup``) on the aws profile. The account must
have signed up first; its tokens issued before stop working, and at its next sign-in it must set up MFA (admins
always need it)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import structlog
import typer
from rich.console import Console

from senas.platform.identity.errors import UnknownUser
from senas.wiring.commands import platform_or_exit, settings_or_exit

app = typer.Typer(help="Cuentas: órdenes del operador / accounts: operator commands.", no_args_is_help=True)
console = Console(stderr=True)
log = structlog.get_logger(__name__)


@app.command("grant-admin")
def grant_admin(email: Annotated[str, typer.Argument(help="the e-mail the account signed up with")]) -> None:
    """Make an existing account an admin (it keeps its other roles)."""
    settings = settings_or_exit()

    async def main() -> str:
        platform = platform_or_exit(settings)
        try:
            if platform.identity is None:
                raise RuntimeError("this platform has no identity provider")
            return await platform.identity.grant_role(email, "admin")
        finally:
            await platform.close()

    try:
        user_id = asyncio.run(main())
    except UnknownUser:
        console.print(
            f"[bold red]error:[/] no existe una cuenta con el correo {email}: que se registre primero / "
            f"no account has the e-mail {email}: sign up first"
        )
        raise typer.Exit(code=1) from None
    log.info("admin_granted", user_id=user_id, by="operator")
    Console().print(
        f"{email} ({user_id}) ahora es admin; en su próximo inicio de sesión configurará la verificación en dos pasos."
        f" / is now an admin; at its next sign-in it sets up two-step verification."
    )
