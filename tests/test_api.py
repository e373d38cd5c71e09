"""The JSON API: api/tip-of-the-week.json, api/weeks.json and their versioned JSON Schemas."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from servicetips.cli import main
from servicetips.dates import IsoWeek
from servicetips.feeds import SiteInfo, api_json_schemas, build_feeds, week_payload, weeks_payload
from servicetips.model import Library
from servicetips.render import render_body
from servicetips.schedule import build_schedule
from servicetips.validate import validate_library

REPO = Path(__file__).parent.parent
LIBRARY = Path(__file__).parent / "fixtures" / "feeds" / "library"
DOCS = REPO / "docs"
SITE = SiteInfo(url="https://tips.example.org/", title="Service Tips", description="Short tips")


@pytest.fixture(scope="module")
def library() -> Library:
    validation = validate_library(LIBRARY)
    assert not [p for p in validation.problems if p.severity.value == "error"]
    return validation.library


def api_files(library: Library, as_of: date) -> dict[str, dict]:
    files = build_feeds(library, build_schedule(library, as_of), SITE)
    return {f.path: json.loads(f.content) for f in files if f.path.startswith("api/")}


def schema(name: str) -> dict:
    return json.loads((DOCS / "api" / "v1" / name).read_text(encoding="utf-8"))


def validate(payload: dict, name: str) -> None:
    validator = jsonschema.Draft202012Validator(schema(name), format_checker=jsonschema.FormatChecker())
    validator.validate(payload)


def test_committed_schemas_are_generated_from_the_models():
    generated = api_json_schemas()
    assert sorted(generated) == ["api/v1/tip-of-the-week.schema.json", "api/v1/weeks.schema.json"]
    for path, text in generated.items():
        committed = DOCS / path
        assert committed.is_file(), f"{path} is missing: run `python -m servicetips.feeds docs`"
        assert committed.read_text(encoding="utf-8") == text, f"{path} is stale: run `python -m servicetips.feeds docs`"
        jsonschema.Draft202012Validator.check_schema(json.loads(text))


def test_tip_of_the_week_payload(library):
    files = api_files(library, date(2026, 11, 25))
    payload = files["api/tip-of-the-week.json"]
    slot = build_schedule(library, date(2026, 11, 25)).this_week
    validate(payload, "tip-of-the-week.schema.json")
    assert payload["$schema"] == "https://tips.example.org/api/v1/tip-of-the-week.schema.json"
    assert payload["schema_version"] == 1
    assert (payload["week"], payload["start"], payload["end"]) == ("2026-W48", "2026-11-23", "2026-11-29")
    assert payload["slug"] == slot.tip.slug
    assert payload["title"] == slot.tip.title
    assert payload["summary"] == slot.tip.summary
    assert payload["tags"] == list(slot.tip.tags)
    assert payload["url"] == f"https://tips.example.org/tips/{slot.tip.slug}/"
    assert payload["week_url"] == "https://tips.example.org/weekly/2026-W48/"
    assert payload["html"] == render_body(slot.tip.body, slot.tip.slug, SITE.url)


def test_weeks_payload_lists_every_published_week_newest_first(library):
    as_of = date(2027, 1, 6)
    payload = api_files(library, as_of)["api/weeks.json"]
    validate(payload, "weeks.schema.json")
    schedule = build_schedule(library, as_of)
    assert payload["$schema"] == "https://tips.example.org/api/v1/weeks.schema.json"
    assert payload["schema_version"] == 1
    assert [w["week"] for w in payload["weeks"]] == [str(s.week) for s in schedule.published]
    assert payload["weeks"][0]["week"] == "2027-W01"
    assert payload["weeks"][-1]["week"] == "2026-W44"
    new_year = next(w for w in payload["weeks"] if w["week"] == "2026-W53")
    assert new_year == {
        "week": "2026-W53",
        "start": "2026-12-28",
        "end": "2027-01-03",
        "week_url": "https://tips.example.org/weekly/2026-W53/",
        "slug": "name-the-next-step",
        "title": "Name the next step",
        "url": "https://tips.example.org/tips/name-the-next-step/",
    }
    for week in payload["weeks"]:
        parsed = IsoWeek.parse(week["week"])
        assert (week["start"], week["end"]) == (parsed.monday.isoformat(), parsed.sunday.isoformat())


def test_the_api_follows_the_week_on_monday(library):
    sunday = api_files(library, date(2026, 11, 29))
    monday = api_files(library, date(2026, 11, 30))
    assert sunday["api/tip-of-the-week.json"]["week"] == "2026-W48"
    assert monday["api/tip-of-the-week.json"]["week"] == "2026-W49"
    assert monday["api/weeks.json"]["weeks"][1:] == sunday["api/weeks.json"]["weeks"]


def test_week_payload_without_a_site_url_is_site_relative(library):
    slot = build_schedule(library, date(2026, 10, 28)).this_week  # 2026-W44: the tip with links
    payload = week_payload(slot, site_url=None)
    validate(payload, "tip-of-the-week.schema.json")
    assert payload["$schema"] == "/api/v1/tip-of-the-week.schema.json"
    assert payload["url"] == "/tips/reply-within-two-hours/"
    assert payload["week_url"] == "/weekly/2026-W44/"
    assert 'href="/tips/own-the-miss/#say-it-first"' in payload["html"]
    assert "https://tips.example.org" not in json.dumps(payload)


def test_week_payload_accepts_a_site_url_without_trailing_slash(library):
    slot = build_schedule(library, date(2026, 10, 28)).this_week
    assert week_payload(slot, "https://tips.example.org") == week_payload(slot, "https://tips.example.org/")
    with pytest.raises(ValueError, match="site_url is required"):
        week_payload(slot, "tips.example.org")


def test_json_text_is_escaped_and_kept_as_unicode(library):
    slot = build_schedule(library, date(2026, 10, 28)).this_week
    content = next(
        f.content
        for f in build_feeds(library, build_schedule(library, date(2026, 10, 28)), SITE)
        if f.path == "api/tip-of-the-week.json"
    )
    assert json.loads(content)["title"] == slot.tip.title == 'Reply in < 2 hours & say "thanks" — the café rule'
    assert '"title": "Reply in < 2 hours & say \\"thanks\\" — the café rule"'.encode() in content
    assert content.endswith(b"}\n")


def test_json_files_are_stable_text(library):
    files = build_feeds(library, build_schedule(library, date(2026, 11, 25)), SITE)
    for f in files:
        if f.path.endswith(".json"):
            data = json.loads(f.content)
            assert f.content.decode() == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_no_tip_of_the_week_before_the_schedule_starts(library):
    files = api_files(library, date(2026, 10, 25))
    assert "api/tip-of-the-week.json" not in files
    assert files["api/weeks.json"]["weeks"] == []
    validate(files["api/weeks.json"], "weeks.schema.json")


def test_weeks_payload_matches_the_schedule_for_the_real_library():
    validation = validate_library(REPO / "tips")
    schedule = build_schedule(validation.library, date(2026, 11, 23))
    payload = weeks_payload(schedule, SITE.url)
    validate(payload, "weeks.schema.json")
    assert payload["weeks"][0]["week"] == "2026-W48"
    assert payload["weeks"][-1]["week"] == validation.library.settings.first_week


def test_cli_week_json_is_the_api_payload(library):
    result = CliRunner().invoke(main, ["week", "--root", str(LIBRARY), "--as-of", "2026-11-25", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    validate(payload, "tip-of-the-week.schema.json")
    assert payload == week_payload(build_schedule(library, date(2026, 11, 25)).this_week, site_url=None)


# --- the integrators' page ------------------------------------------------------------

INTEGRATORS = DOCS / "integrators.md"


def json_examples() -> list[dict]:
    text = INTEGRATORS.read_text(encoding="utf-8")
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)\n```", text, flags=re.DOTALL)]


def test_the_integrators_page_examples_follow_the_schemas():
    examples = json_examples()
    by_schema = {Path(e["$schema"]).name: e for e in examples if "$schema" in e}
    assert sorted(by_schema) == ["tip-of-the-week.schema.json", "weeks.schema.json"]
    for name, example in by_schema.items():
        validate(example, name)
    [feed] = [e for e in examples if e.get("version") == "https://jsonfeed.org/version/1.1"]
    assert {"title", "home_page_url", "feed_url", "items"} <= set(feed)
    assert {"id", "url", "title", "content_html", "date_published", "tags", "authors"} <= set(feed["items"][0])


def test_the_integrators_page_names_every_published_file(library):
    text = INTEGRATORS.read_text(encoding="utf-8")
    files = build_feeds(library, build_schedule(library, date(2026, 11, 25)), SITE)
    paths = {re.sub(r"^tags/[^/]+/", "tags/<tag>/", f.path) for f in files} | set(api_json_schemas())
    for path in paths:
        assert f"`/{path}`" in text, f"docs/integrators.md does not describe /{path}"
