"""What the API app adds for the web application: the pages, their JSON, and the static files at `/static`."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from koppelkans.web import data, login, pages

__all__ = ["STATIC_DIR", "router", "static_files"]

STATIC_DIR = Path(__file__).parent / "static"

router = APIRouter()
router.include_router(pages.router)
router.include_router(data.router)
router.include_router(login.router)


def static_files() -> StaticFiles:
    """The pages' CSS, ES modules and vendored MapLibre, to mount at `/static`."""
    return StaticFiles(directory=STATIC_DIR)
