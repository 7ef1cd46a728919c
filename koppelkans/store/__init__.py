"""Storage of the register behind one repository protocol, with two providers picked by URL."""

from __future__ import annotations

from koppelkans.errors import StoreError
from koppelkans.store.repository import (
    LINK_COLUMNS,
    SYSTEM_ACTOR,
    Excluding,
    Mentioning,
    Repository,
    SqlRepository,
    Writer,
)

__all__ = [
    "LINK_COLUMNS",
    "SYSTEM_ACTOR",
    "Excluding",
    "Mentioning",
    "Repository",
    "SqlRepository",
    "Writer",
    "open_store",
]


def open_store(url: str) -> SqlRepository:
    """The repository for a URL: `postgresql://…` is PostGIS, a path (or `gpkg:PATH`) a GeoPackage file."""
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        from koppelkans.store.postgis import PostGISRepository

        return PostGISRepository(url.replace("postgres://", "postgresql://", 1))
    if "://" in url and not url.startswith("sqlite:///"):
        raise StoreError(f"unknown store URL {url!r}: use a .gpkg path or postgresql://…")
    path = url.removeprefix("gpkg:").removeprefix("sqlite:///")
    if not path.endswith(".gpkg"):
        raise StoreError(f"the embedded store must be a GeoPackage file ending in .gpkg, got {path!r}")
    from koppelkans.store.embedded import GeoPackageRepository

    return GeoPackageRepository(path)
