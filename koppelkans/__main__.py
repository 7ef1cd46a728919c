"""`python -m koppelkans` runs the command line."""

from koppelkans.cli.main import app

app()
