"""A built site carries no script, event handler or script URL that the theme did not put there.

Every HTML, XML and JSON file of the output is scanned the way a browser, a
feed reader or Material's search UI would read it:

* HTML is tokenised (html.parser, which decodes entities in attribute
  values as browsers do), so `onclick=` in a sentence is text while
  `<a onclick=...>` is a handler, and `&#106;avascript:` in an href is seen
  as `javascript:`;
* XML feeds are parsed, and the text of each element (a feed item's HTML is
  escaped inside `<content:encoded>`) is scanned again as HTML;
* JSON strings (JSON Feed, API) are scanned as HTML, since feed readers
  insert them as markup. The search index (Pagefind's compressed fragments)
  holds the pages' plain text, which the search script inserts as text: it
  is checked to hold no markup of the page here, and shown as text in
  Chromium in test_browser.

The theme's own scripts are allowed by comparing with a bare Material build
that uses the same `theme:` settings (no hooks, no template overrides, no
tips): a `<script src>` into the same asset, or an inline script with the
same text once relative paths (`../..`) are normalised. Scripts listed under
`extra_javascript` in mkdocs.yml are the site's own and allowed too.

Two sites are scanned: the real library, and tests/fixtures/hostile/accepted,
a library of harmless-but-tricky tips (titles with `&`, `<` and quotes,
`javascript:` inside code, attribute-list look-alikes, CR LF and bare CR line
endings) that must be shown exactly as written.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from servicetips.docblocks import Project, refresh_text
from servicetips.render import render_body
from support import AS_OF, FIXTURES, MKDOCS_YML, REPO, SiteBuild, build_site, copy_library, has_class, text_of
from support.pagefind import fragments, tags_of

# Attributes whose value a browser loads or navigates to.
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
    "cite",
    "longdesc",
    "codebase",
    "manifest",
    "icon",
    "ping",
    "lowsrc",
    "dynsrc",
}
# Elements that load another document or change where relative links go.
EMBEDDING_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal"}
SAFE_DATA_URL = re.compile(r"data:image/(?:png|gif|jpeg|webp)[;,]")


def is_script_url(value: str) -> bool:
    """True for a URL a browser would run or render as a document: javascript:, vbscript:, most data: URLs.

    Browsers drop leading spaces and control characters and every tab and
    newline inside a URL; dropping all of them is stricter still.
    """
    cleaned = re.sub(r"[\x00-\x20]", "", value).lower()
    if cleaned.startswith(("javascript:", "vbscript:")):
        return True
    return cleaned.startswith("data:") and not SAFE_DATA_URL.match(cleaned)


def _normalise(text: str) -> str:
    # A page's depth shows in its relative paths ("../..", "../../assets/...");
    # the same theme script is the same script at any depth.
    text = re.sub(r'"(?:\.\./)+', '"', text)
    return re.sub(r'"\.\.?"', '"."', text)


def is_json_ld(text: str, script_type: str) -> bool:
    """True for a JSON-LD block browsers never run: exactly type application/ld+json, valid JSON,
    and no `<` (so nothing inside can close the element and start a script)."""
    if script_type != "application/ld+json" or "<" in text:
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def script_signature(src: str | None, text: str) -> str:
    """What identifies a script independently of the page's depth: its asset path, or its normalised text."""
    if src is not None:
        path = urlsplit(src).path
        while path.startswith(("../", "./", "/")):
            path = path[3:] if path.startswith("../") else path[2:] if path.startswith("./") else path[1:]
        return "src:" + path
    return "inline:" + _normalise(text.strip())


@dataclass
class ActiveContent(HTMLParser):
    """Collects what in an HTML document can run code: scripts, handlers, script URLs, embedding tags."""

    scripts: list[str] = field(default_factory=list)
    handlers: list[tuple[str, str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._script: tuple[str | None, list[str]] | None = None
        self._script_type = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name.startswith("on"):
                self.handlers.append((tag, name, value))
            elif name in URL_ATTRIBUTES and is_script_url(value):
                self.problems.append(f"<{tag} {name}={value[:60]!r}>: a script URL")
            elif name == "srcdoc":
                self.problems.append(f"<{tag} srcdoc=...>: an inline document")
        if tag in EMBEDDING_TAGS:
            self.problems.append(f"<{tag}>: an element that loads another document")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.problems.append(f"<meta http-equiv=refresh content={values.get('content', '')[:60]!r}>")
        if tag == "script":
            self._script = (values.get("src"), [])
            self._script_type = values.get("type", "")

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            src, text = self._script
            if not (src is None and is_json_ld("".join(text), self._script_type)):
                self.scripts.append(script_signature(src, "".join(text)))
            self._script = None

    def close(self) -> None:
        super().close()
        if self._script is not None:  # an unclosed <script> still runs
            self.scripts.append(script_signature(self._script[0], "".join(self._script[1])))
            self._script = None


def scan_html(text: str) -> ActiveContent:
    """Tokenise an HTML document or fragment and collect its active content."""
    scanner = ActiveContent()
    scanner.feed(text)
    scanner.close()
    return scanner


@dataclass(frozen=True)
class Allowed:
    """What the theme itself (and mkdocs.yml's extra_javascript) puts into pages."""

    scripts: frozenset[str]
    handlers: frozenset[tuple[str, str, str]]


def html_findings(text: str, allowed: Allowed, *, page: bool) -> list[str]:
    """Active content in `text` that is not allowed; in a fragment (feed item, search text) nothing is allowed."""
    scanner = scan_html(text)
    found = list(scanner.problems)
    found.extend(
        f"<script> not from the theme: {signature[:120]!r}"
        for signature in scanner.scripts
        if not (page and signature in allowed.scripts)
    )
    found.extend(
        f"<{handler[0]} {handler[1]}={handler[2][:60]!r}>: an event handler"
        for handler in scanner.handlers
        if not (page and handler in allowed.handlers)
    )
    return found


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def text_findings(text: str, allowed: Allowed) -> list[str]:
    """A string that a reader may insert as HTML or follow as a link (feed text, JSON value)."""
    found = [f"a script URL as a value: {text[:60]!r}"] if is_script_url(text.strip()) else []
    if "<" in text:
        found += html_findings(text, allowed, page=False)
    return found


def xml_findings(data: bytes, allowed: Allowed) -> list[str]:
    found = []
    for element in ElementTree.fromstring(data).iter():
        name = element.tag.rsplit("}", 1)[-1]
        if name == "script":
            found.append("<script> element in XML")
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1]
            if local.startswith("on"):
                found.append(f"<{name} {local}=...>: an event handler")
            elif is_script_url(value):
                found.append(f"<{name} {local}={value[:60]!r}>: a script URL")
        for text in (element.text, element.tail):
            if text:
                found += text_findings(text, allowed)
    return found


def site_findings(site: Path, allowed: Allowed) -> dict[str, list[str]]:
    """Every HTML, XML and JSON file of a built site with what it holds that is not allowed."""
    report = {}
    for path in sorted(site.rglob("*")):
        if path.suffix == ".html":
            # A week's email is no theme page: not even the theme's scripts belong there.
            found = html_findings(path.read_text("utf-8"), allowed, page=path.name != "email.html")
        elif path.suffix == ".xml":
            found = xml_findings(path.read_bytes(), allowed)
        elif path.suffix == ".json":
            found = [f for s in _strings(json.loads(path.read_text("utf-8"))) for f in text_findings(s, allowed)]
        else:
            continue
        if found:
            report[path.relative_to(site).as_posix()] = found
    return report


def _extra_javascript() -> set[str]:
    config = yaml.safe_load(MKDOCS_YML.read_text("utf-8"))
    entries = config.get("extra_javascript") or []
    paths = [entry if isinstance(entry, str) else entry.get("path", "") for entry in entries]
    return {script_signature(path, "") for path in paths}


@pytest.fixture(scope="module")
def allowed(tmp_path_factory) -> Allowed:
    """The theme's own scripts and handlers: a bare Material build with the site's `theme:` settings."""
    folder = tmp_path_factory.mktemp("bare-material")
    (folder / "docs").mkdir()
    (folder / "docs" / "index.md").write_text("# Bare\n\nA page of text.\n", encoding="utf-8")
    (folder / "docs" / "other.md").write_text("# Other\n\nA page one level down.\n", encoding="utf-8")
    theme = dict(yaml.safe_load(MKDOCS_YML.read_text("utf-8"))["theme"])
    theme.pop("custom_dir", None)  # the site's template overrides are what is being checked
    config = {
        "site_name": "Bare",
        "site_url": "https://bare.example.org/",
        "theme": theme,
        "plugins": ["search"],
        "nav": ["index.md"],
    }
    (folder / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(folder / "site")],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr
    scripts, handlers = set(_extra_javascript()), set()
    for page in (folder / "site").rglob("*.html"):
        scanner = scan_html(page.read_text("utf-8"))
        scripts.update(scanner.scripts)
        handlers.update(scanner.handlers)
    # Without the theme's bundle in the allow-list every page would be
    # flagged; without any script found the comparison would prove nothing.
    assert any(s.startswith("src:assets/javascripts/bundle.") for s in scripts), scripts
    return Allowed(frozenset(scripts), frozenset(handlers))


@pytest.fixture(scope="module")
def tricky_site(accepted_site) -> SiteBuild:
    """The site of the accepted hostile library, built as of 2026-11-23 (once per run)."""
    return accepted_site


EMPTY = Allowed(frozenset(), frozenset())


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<p>unclosed <script>alert(1)",
        "<img src=x onerror=alert(1)>",
        "<svg/onload=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="&#x6A;avascript&colon;alert(1)">x</a>',
        '<a href=" java&#9;script:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<img src="vbscript:msgbox(1)">',
        '<object data="data:text/html;base64,PHNjcmlwdD4="></object>',
        '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
        '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
        '<form action="javascript:alert(1)"><button>go</button></form>',
        # JSON-LD is data only when it is exactly that: these would run or could end the element.
        '<script type="application/ld+json">alert(1)</script>',
        '<script type="application/ld+json ">{}</script>',
        '<script type="Application/LD+JSON">{}</script>',
        '<script type="application/ld+json" src="x.js">{}</script>',
        '<script type="application/ld+json">{"a": "</script><script>alert(1)//"}</script>',
        '<script type="application/ld+json">{"a": "<b>"}</script>',
    ],
)
def test_the_scanner_finds_each_kind_of_active_content(snippet):
    assert html_findings(snippet, EMPTY, page=True), snippet
    assert text_findings(snippet, EMPTY), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        '<script type="application/ld+json">{"@type": "Article", "headline": "A \\u003cb\\u003e"}</script>',
        "<p>Type onclick=alert(1) and &lt;script&gt; as text.</p>",
        "<p><code>javascript:alert(1)</code> and <code>&lt;img onerror=x&gt;</code></p>",
        '<a href="https://example.org/help" title="javascript:alert(1)">help</a>',
        '<a href="https://example.org/?q=%22onmouseover=alert(1)">search</a>',
        '<img alt="A smile" src="data:image/png;base64,iVBORw0KGgo=">',
        '<meta name="description" content="&quot;Sorry&quot; &amp; thanks: reply in &lt; 2 hours">',
    ],
)
def test_the_scanner_leaves_text_that_only_looks_active(snippet):
    assert html_findings(snippet, EMPTY, page=True) == []


def test_the_scanner_finds_script_urls_and_markup_in_feeds_and_json():
    feed = (
        b"<rss><channel><item><link>javascript:alert(1)</link>"
        b"<description>&lt;img src=x onerror=alert(1)&gt;</description></item></channel></rss>"
    )
    assert len(xml_findings(feed, EMPTY)) == 2
    assert text_findings("<svg onload=alert(1)>", EMPTY)
    assert text_findings("&lt;svg onload=alert(1)&gt; as text", EMPTY) == []


def test_the_real_site_has_no_active_content_the_theme_did_not_put_there(real_site, allowed):
    assert site_findings(real_site.site, allowed) == {}
    pages = [page for page in real_site.html_files() if page.name != "email.html"]
    assert len(pages) > 30
    for page in pages:
        # Every page really carries the theme's scripts: the allow-list was used, not bypassed.
        assert allowed.scripts & set(scan_html(page.read_text("utf-8")).scripts), page


def test_the_tricky_library_has_no_active_content_the_theme_did_not_put_there(tricky_site, allowed):
    assert site_findings(tricky_site.site, allowed) == {}
    scanned = [p for p in tricky_site.site.rglob("*") if p.suffix in (".html", ".xml", ".json")]
    assert {"feed.xml", "atom.xml", "feed.json", "pagefind/pagefind-entry.json"} <= {
        p.relative_to(tricky_site.site).as_posix() for p in scanned
    }


TRICKY_TITLES = {
    "tricky-title-characters": '"Sorry" & thanks: reply in < 2 hours',
    "braces-look-like-attributes": "Curly {: onclick=alert(1) } braces stay text",
    "windows-line-endings-tip": "Windows line endings are fine",
    "old-mac-line-endings-tip": "Old Mac line endings are fine",
    "byte-order-mark-and-invisible-characters": "Say thanks\u2060 \u2014 \u00fcn\u00efc\u00f6d\u00e9 \u2713",
    "plain-tip-with-links": "Words about HTML in plain prose",
}


@pytest.mark.parametrize("slug, title", TRICKY_TITLES.items(), ids=list(TRICKY_TITLES))
def test_tricky_titles_are_shown_exactly_as_written(tricky_site, slug, title):
    tree = tricky_site.tree(f"tips/{slug}/")
    assert [text_of(h1) for h1 in tree.iter("h1")] == [" ".join(title.split())]
    assert tree.find(".//title").text_content() == f"{title} - Service Tips"
    assert not [e for e in tree.iter() if isinstance(e.tag, str) and any(a.startswith("on") for a in e.attrib)]


def test_code_and_look_alikes_stay_text(tricky_site):
    tree = tricky_site.tree("tips/tricky-title-characters/")
    code = " ".join(text_of(c) for c in tree.iter("code"))
    assert "javascript:alert(1)" in code and "<script>alert(1)</script>" in code
    assert "<img src=x onerror=alert(1)>" in code and "[Call us](javascript:alert(1))" in code
    content = text_of(tree.find(".//article"))
    assert "The entity text <script> is shown as text too" in content
    links = tricky_site.tree("tips/plain-tip-with-links/").iter("a")
    by_text = {text_of(a): a for a in links}
    assert by_text["help"].get("href") == "https://example.org/help"
    assert by_text["help"].get("title") == "javascript:alert(1)"
    # Python-Markdown reads the quote as the start of a link title and keeps
    # the rest in the address: odd, but it stays one https:// attribute.
    assert by_text["search"].get("href").startswith('https://example.org/?q="onmouseover=alert(1)')
    assert set(by_text["search"].attrib) == {"href"}


def test_an_author_address_with_quotes_stays_one_attribute(tricky_site):
    tree = tricky_site.tree("tips/tricky-title-characters/")
    authors = [a for a in tree.iter("a") if "o'brien" in (a.get("href") or "")]
    assert authors, "the author link is missing"
    assert authors[0].get("href") == "https://example.org/people/o'brien?a=1&b=2'onmouseover='alert(1)"
    assert text_of(authors[0]) == "Siobhán O'Brien & Sons < Co"
    assert "onmouseover" not in authors[0].attrib


def test_tricky_titles_reach_the_search_index_and_feeds_as_text(tricky_site):
    indexed = fragments(tricky_site.site)
    tip = indexed["tips/tricky-title-characters/"]
    # Plain text exactly as written: the search script inserts it as text.
    assert tip["meta"]["title"] == TRICKY_TITLES["tricky-title-characters"]
    assert tags_of(tip)[0] == 'Q&A: "fast" < slow'
    # The code's text is there as text; none of the page's own markup is.
    assert "<script>alert(1)</script>" in tip["content"] and "<img src=x onerror=alert(1)>" in tip["content"]
    # Anything that looks like a tag in a fragment is text the page shows
    # (a tip may write "<a" as text), never the page's own markup.
    for url, fragment in indexed.items():
        shown = " ".join(text_of(tricky_site.tree(url).find(".//article")).split())
        for found in re.findall(r"<[a-z/!][^<>\s]{0,10}", fragment["content"]):
            assert found in shown, (url, found)
        text = json.dumps(fragment, ensure_ascii=False)
        assert "&lt;" not in text and "&amp;" not in text
    feed = ElementTree.fromstring((tricky_site.site / "feed.xml").read_bytes())
    items = [item.findtext("title") for item in feed.iter("item")]
    assert any(t and t.endswith(TRICKY_TITLES["tricky-title-characters"]) for t in items), items
    assert any(t and t.endswith(TRICKY_TITLES["braces-look-like-attributes"]) for t in items), items


@pytest.mark.parametrize(
    "body",
    [
        "[x](&#106;avascript:alert(1))",
        "[x](java&#9;script:alert(1))",
        "[x](\x0ejavascript:alert(1))",
        '[x](https://example.org/){: href="&#106;avascript:alert(1)" }',
    ],
)
def test_body_html_alone_drops_encoded_script_urls(body):
    rendered = render_body(body, "me", "https://example.org/")
    assert html_findings(rendered, EMPTY, page=False) == [], rendered


# tags.yml and authors.yml whose labels, descriptions and names pass `tips check`
# but end in `{ onclick=... }` attribute lists, `|` and `&`: text Markdown reads as syntax.
HOSTILE_VOCABULARY = FIXTURES / "hostile" / "vocabulary-markup"


def test_markup_in_the_vocabularies_stays_text_on_every_page(tmp_path, allowed):
    tips = copy_library(tmp_path, *sorted(HOSTILE_VOCABULARY.glob("*.yml")))
    # The guide's tag table is generated from tips/tags.yml by `tips docs`, as an
    # editor's pull request that changes the tags would have it regenerated.
    docs = tmp_path / "docs"
    shutil.copytree(REPO / "docs", docs)
    guide = docs / "contributing.md"
    project = Project(repo=REPO, tips=tips, mkdocs_yml=MKDOCS_YML)
    guide.write_text(refresh_text(guide.read_text("utf-8"), project, "docs/contributing.md"), encoding="utf-8")
    assert "onfocus=alert" in guide.read_text("utf-8")
    result = build_site(tips, tmp_path / "out" / "site", AS_OF, config_overrides={"docs_dir": str(docs)})
    assert result.ok, result.output[-3000:]
    assert site_findings(result.site, allowed) == {}
    # Shown as written: the guide's tag table and the home page's tag chips.
    tags = yaml.safe_load((HOSTILE_VOCABULARY / "tags.yml").read_text("utf-8"))
    cells = {text_of(cell) for cell in result.tree("contributing/").xpath("//article//td")}
    for tag in tags.values():
        assert {tag["label"], " ".join(tag["description"].split())} <= cells
    chips = [text_of(a) for a in result.tree("").xpath(f"//article//*[{has_class('tip-chips')}]//a")]
    assert [chip.rsplit(" (", 1)[0] for chip in chips] == [tag["label"] for tag in tags.values()]
