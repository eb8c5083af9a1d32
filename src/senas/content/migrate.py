"""Running the content database's Alembic migrations from code (the lifespan in the embedded profile, the
``senas content migrate`` command, and the stairway test)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("senas.content") / "migrations"))
    if url is not None:
        # ConfigParser interpolation would read '%' in an encoded password as a reference.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def revisions() -> list[str]:
    """Every revision id, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def head() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"the content migrations must have exactly one head, found {heads}")
    return heads[0]


async def _run(engine: AsyncEngine, action: str, target: str) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        getattr(command, action)(config, target)

    async with engine.connect() as connection:
        await connection.run_sync(run)
        await connection.commit()


async def upgrade(engine: AsyncEngine, target: str = "head") -> None:
    await _run(engine, "upgrade", target)


async def downgrade(engine: AsyncEngine, target: str) -> None:
    await _run(engine, "downgrade", target)


async def current(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)
