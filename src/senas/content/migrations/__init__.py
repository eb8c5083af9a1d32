"""Alembic migrations of the content database, shipped inside the package so a container can run
``senas content migrate`` without the source tree."""
