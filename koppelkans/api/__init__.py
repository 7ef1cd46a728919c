"""The web API (FastAPI): REST resources, OGC API – Features and vector tiles over the register."""

from __future__ import annotations

from koppelkans.api.app import create_app

__all__ = ["create_app"]
