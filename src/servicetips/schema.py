"""Documents derived from the tip schema: the JSON Schema for editors and the fields table.

Both come from `TipFrontMatter`, so they can never drift from the validator.
"""

from __future__ import annotations

import json
from typing import Any

from .model import Library, TipFrontMatter

SCHEMA_ID = "https://servicetips.example.org/schema/tip-front-matter.json"


def tip_json_schema(library: Library | None = None) -> dict[str, Any]:
    """The JSON Schema of a tip's front matter; with a library, tags and authors become enums."""
    schema = TipFrontMatter.model_json_schema(mode="validation")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
    if library is not None:
        schema["properties"]["tags"]["items"]["enum"] = sorted(library.tags)
        schema["properties"]["author"]["enum"] = sorted(library.authors)
    return schema


def tip_json_schema_text(library: Library | None = None) -> str:
    """The JSON Schema as the committed file holds it: sorted keys, two-space indent, final newline."""
    return json.dumps(tip_json_schema(library), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _type_label(prop: dict[str, Any]) -> str:
    if "anyOf" in prop:
        return " or ".join(_type_label(p) for p in prop["anyOf"] if p.get("type") != "null")
    if "$ref" in prop:
        return "mapping"
    kind = prop.get("type", "")
    if kind == "array":
        return "list of " + _type_label(prop.get("items", {}))
    if prop.get("format") == "date":
        return "date (YYYY-MM-DD)"
    if prop.get("pattern") == r"^\d{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$":
        return "ISO week (YYYY-Www)"
    return {"string": "text", "boolean": "true/false", "integer": "number"}.get(kind, kind or "any")


def fields_table_markdown() -> str:
    """A Markdown table of the front-matter fields: name, required, type, meaning."""
    schema = TipFrontMatter.model_json_schema(mode="validation")
    required = set(schema.get("required", []))
    rows = ["| Field | Required | Type | What it is |", "| --- | --- | --- | --- |"]
    for name, prop in schema["properties"].items():
        field = TipFrontMatter.model_fields[name]
        description = (field.description or "").replace("|", "\\|")
        example = f" Example: `{name}: {_example_text(field.examples[0])}`" if field.examples else ""
        rows.append(
            f"| `{name}` | {'yes' if name in required else 'no'} | {_type_label(prop)} | {description}{example} |"
        )
    return "\n".join(rows) + "\n"


def _example_text(value: Any) -> str:
    return "[" + ", ".join(map(str, value)) + "]" if isinstance(value, list) else str(value)
