"""Koppelkans."""
