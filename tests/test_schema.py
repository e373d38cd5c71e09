"""The JSON Schema for editors is derived from the model and the committed copy stays equal."""

from __future__ import annotations

import json

import jsonschema
import yaml

from servicetips.model import TipFrontMatter
from servicetips.schema import fields_table_markdown, tip_json_schema_text
from servicetips.validate import validate_library
from support import REPO


def test_committed_schema_matches_the_model():
    library = validate_library(REPO / "tips").library
    committed = (REPO / "schema" / "tip.schema.json").read_text(encoding="utf-8")
    assert committed == tip_json_schema_text(library), "run `tips schema -o schema/tip.schema.json`"


def test_schema_accepts_every_real_tip_and_knows_the_vocabulary():
    library = validate_library(REPO / "tips").library
    schema = json.loads(tip_json_schema_text(library))
    assert schema["additionalProperties"] is False
    assert schema["properties"]["tags"]["items"]["enum"] == sorted(library.tags)
    assert set(schema["required"]) == {"title", "summary", "tags", "author", "published"}
    for tip in library.tips:
        jsonschema.validate(yaml.safe_load(tip.front_matter) | {"published": tip.published.isoformat()}, schema)


def test_fields_table_lists_every_field():
    table = fields_table_markdown()
    for name in TipFrontMatter.model_fields:
        assert f"| `{name}` |" in table
    assert "| `title` | yes | text |" in table
    assert "| `week` | no | ISO week (YYYY-Www) |" in table
