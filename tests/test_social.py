"""Open Graph, Twitter card and JSON-LD for a page head: complete, escaped, unbreakable."""

from __future__ import annotations

import json
from datetime import date

import pytest
from lxml import html as lxml_html

from servicetips.social import ShareInfo, head_html, json_ld

SITE = "https://servicetips.example.org/"
HOSTILE = 'Say "thanks" </script><script>alert(1)</script> & <b>mean</b> it'


def info(**changes) -> ShareInfo:
    fields = {
        "kind": "tip",
        "title": "Pause before you answer",
        "description": "One breath before replying.",
        "url": SITE + "tips/pause/",
        "image_url": SITE + "cards/tips/pause.png",
        "image_alt": "Pause before you answer, a tip from Service Tips",
        "site_name": "Service Tips",
        "published": date(2026, 11, 2),
        "tags": ("Reputation", "Tone & wording"),
        "author": "Sam Okafor",
    }
    fields.update(changes)
    return ShareInfo(**fields)


def parse(fragment: str):
    return lxml_html.fromstring(f"<html><head>{fragment}</head><body></body></html>")


def metas(tree) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for meta in tree.xpath("//meta"):
        found.setdefault(meta.get("property") or meta.get("name"), []).append(meta.get("content"))
    return found


def test_a_tip_is_an_article_with_its_image_date_and_tags():
    tags = metas(parse(head_html(info())))
    assert tags["og:type"] == ["article"]
    assert tags["og:url"] == [SITE + "tips/pause/"]
    assert tags["og:image"] == [SITE + "cards/tips/pause.png"]
    assert (tags["og:image:width"], tags["og:image:height"]) == (["1200"], ["630"])
    assert tags["og:image:alt"] == ["Pause before you answer, a tip from Service Tips"]
    assert tags["article:published_time"] == ["2026-11-02"]
    assert tags["article:tag"] == ["Reputation", "Tone & wording"]
    assert tags["twitter:card"] == ["summary_large_image"]


def test_a_tip_has_article_json_ld_and_the_home_page_website():
    tree = parse(head_html(info()))
    data = json.loads(tree.xpath("string(//script[@type='application/ld+json'])"))
    assert (data["@type"], data["headline"], data["datePublished"]) == (
        "Article",
        "Pause before you answer",
        "2026-11-02",
    )
    assert data["image"]["url"] == SITE + "cards/tips/pause.png"
    home = json_ld(info(kind="home", url=SITE, published=None, tags=()))
    assert home["@type"] == "WebSite" and home["url"] == SITE


@pytest.mark.parametrize("kind", ["week", "tag"])
def test_weeks_and_tags_are_websites_without_json_ld(kind):
    tree = parse(head_html(info(kind=kind)))
    assert metas(tree)["og:type"] == ["website"]
    assert "article:tag" not in metas(tree)
    assert tree.xpath("//script") == []


def test_a_hostile_title_stays_text_in_attributes_and_cannot_close_the_script():
    fragment = str(head_html(info(title=HOSTILE, description=HOSTILE, tags=(HOSTILE,))))
    tree = parse(fragment)
    assert metas(tree)["og:title"] == [HOSTILE]
    assert metas(tree)["article:tag"] == [HOSTILE]
    scripts = tree.xpath("//script")
    assert len(scripts) == 1 and scripts[0].get("type") == "application/ld+json"
    assert json.loads(scripts[0].text)["headline"] == HOSTILE
    assert fragment.lower().count("</script") == 1
    assert tree.xpath("//b") == []


def test_same_page_same_bytes():
    assert head_html(info()) == head_html(info())
