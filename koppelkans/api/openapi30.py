"""The API definition as OpenAPI 3.0 (OGC API – Features' `oas30` conformance class), derived from
the OpenAPI 3.1 document FastAPI generates: nullable unions, `const` and schema `examples` are
written the 3.0 way. Served at /ogc/api; /openapi.json stays the 3.1 original."""

from __future__ import annotations

from typing import Any

__all__ = ["openapi30"]

_NULL = {"type": "null"}


def openapi30(document: dict[str, Any]) -> dict[str, Any]:
    """A 3.0.3 rendition of a FastAPI 3.1 OpenAPI document."""
    converted = _schema_tree(document)
    converted["openapi"] = "3.0.3"
    return converted  # type: ignore[no-any-return]


def _schema_tree(node: Any) -> Any:
    if isinstance(node, list):
        return [_schema_tree(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _schema_tree(v) for k, v in node.items() if k not in ("$schema", "contentMediaType")}
    for key in ("anyOf", "oneOf"):
        options = out.get(key)
        if isinstance(options, list) and _NULL in options:
            rest = [o for o in options if o != _NULL]
            del out[key]
            out["nullable"] = True
            if len(rest) == 1 and "$ref" not in rest[0]:
                out = {**rest[0], **out}
            elif len(rest) == 1:
                out["allOf"] = rest
            else:
                out[key] = rest
    if isinstance(out.get("type"), list):
        types = [t for t in out["type"] if t != "null"]
        if len(types) < len(out["type"]):
            out["nullable"] = True
        out["type"] = types[0] if len(types) == 1 else types
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if isinstance(out.get("examples"), list) and ("type" in out or "anyOf" in out or "nullable" in out):
        examples = out.pop("examples")
        if examples:
            out["example"] = examples[0]
    return out
