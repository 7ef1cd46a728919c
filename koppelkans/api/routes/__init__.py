"""The REST resources under /api: one module per resource, plus the analysis endpoints."""
