"""The allow-list of the HTML a tip body may become, and the sanitizer that enforces it.

A body is untrusted Markdown. Instead of guessing from the source what
Markdown and the browser will make of it, the body is rendered (with the one
configuration, `servicetips.markdown_config`) and the *HTML* is compared with
this allow-list: elements, attributes per element, classes, ids and URL
schemes. It is defined once and used twice:

* `tips check` reports every difference as a located problem (`findings`);
* every output that carries a body (tip page, week page, RSS, Atom, JSON
  Feed, JSON API) passes it through `sanitize` (nh3, the binding of Rust's
  ammonia, parsing as a browser does), so a gap in the check never reaches a
  reader.

Ids: `toc` gives headings an id (a lowercase slug) and footnotes give their
references and notes `fnref:N` / `fn:N`. Only those forms are kept, and only
on those elements: an id starting with `_` (Material's own `__search`,
`__drawer`) or any id on another element could clobber the theme's DOM.

Classes: only those the configuration's extensions write (footnotes, heading
permalinks, code highlighting, admonitions). An attribute list in a body
(`{: .class }`) may set these and nothing else.

URLs: http, https and mailto, relative URLs and fragments. A scheme is read
the way a browser reads it (entities decoded, tabs and newlines inside it
removed, any case), by ammonia in `sanitize` and by `url_scheme` here.

Characters: none that pages and feeds cannot carry (`servicetips.characters`).
A tip file never holds one, but Python-Markdown can still write one: a link
whose URL holds a quote is misread and leaves its internal placeholders
(STX ... ETX) in the HTML, and a reference such as `&#2;` is decoded to one.
`sanitize` removes them, since a feed's XML writer refuses them (the build
stopped with a traceback), and `findings` names them.

Hand-written pages (docs/) are held to the same elements, attributes, ids
and URL schemes (`page_findings`), with any class and comments allowed:
they carry text from the vocabularies (the guide's tag table, the home
page's tag chips and this week's tip), and the build refuses a page whose
HTML holds anything else, say an event handler that an attribute list made
of a tag's description.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser

import nh3
from markdown.extensions.toc import slugify, unique
from pygments.token import STANDARD_TYPES

from .characters import first_forbidden, without_forbidden_characters

URL_SCHEMES = frozenset({"http", "https", "mailto"})
URL_ATTRIBUTES = frozenset({"href", "src"})

# Every element the configuration writes for Markdown syntax; nothing else
# (no form, media, frame, script, style, svg or math element).
_COMMON = frozenset({"class"})
ATTRIBUTES: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        (
            "p",
            "br",
            "hr",
            "em",
            "strong",
            "code",
            "pre",
            "blockquote",
            "ul",
            "dl",
            "dt",
            "dd",
            "table",
            "thead",
            "tbody",
            "tr",
            "div",
            "span",
        ),
        _COMMON,
    ),
    **{f"h{level}": _COMMON | {"id"} for level in range(1, 7)},
    "a": _COMMON | {"href", "title"},
    "img": _COMMON | {"src", "alt", "title"},
    "abbr": _COMMON | {"title"},
    "ol": _COMMON | {"start"},
    "li": _COMMON | {"id"},
    "sup": _COMMON | {"id"},
    "th": _COMMON | {"align", "colspan"},  # colspan: a code block's title row with line numbers
    "td": _COMMON | {"align"},
}
TAGS = frozenset(ATTRIBUTES)

# What the extensions write: footnotes, heading permalinks, highlighted
# code, admonitions. These are also the classes an attribute list may set.
EXTENSION_CLASSES = frozenset(
    {
        "highlight",
        "filename",
        "highlighttable",
        "linenos",
        "linenodiv",
        "normal",
        "code",
        "hll",
        "footnote",
        "footnote-ref",
        "footnote-backref",
        "headerlink",
        "admonition",
        "admonition-title",
        "note",
        "abstract",
        "info",
        "tip",
        "success",
        "question",
        "warning",
        "failure",
        "danger",
        "bug",
        "example",
        "quote",
    }
)
# Plus Pygments' short class names (`k`, `s2`, ...) for highlighted code.
CLASSES = frozenset({name for name in STANDARD_TYPES.values() if name} | EXTENSION_CLASSES)
# toc's slugs: lowercase ASCII words, or `_1`, `_2`... for a heading with no
# ASCII letter. Never `__name` (Material's own ids start with two). The one
# rule for heading ids: a body's are judged by it, and the ids the site makes
# from titles and labels (`heading_id`) are made to keep it.
_HEADING_ID_LENGTH = 100
_HEADING_ID = re.compile(rf"(?!__)[a-z0-9_-]{{1,{_HEADING_ID_LENGTH}}}")
# Footnote ids carry the writer's label (`fn:é`, `fnref:2:a b`); the `fn:`
# prefix holds a colon, so no such id can name a script global.
_FOOTNOTE_ID = re.compile(r"(?:fn|fnref)(?::[0-9]+)?:[^\x00-\x1f\"'<>]{1,100}")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# A numeric character reference, as HTML reads one (the `;` may be left out).
_CHARACTER_REFERENCE = re.compile(r"&#(?:[xX][0-9A-Fa-f]+|[0-9]+);?")
# What a URL parser drops before reading a scheme (WHATWG URL: leading and
# trailing C0 controls and spaces; tabs and newlines anywhere).
_URL_STRIP = re.compile(r"[\t\n\r]")


def allowed_id(tag: str, value: str) -> bool:
    """Whether an element may carry this id: a heading slug, or a footnote's `fn:`/`fnref:` id."""
    if tag in ("li", "sup"):
        return bool(_FOOTNOTE_ID.fullmatch(value))
    return bool(_HEADING_ID.fullmatch(value))


def heading_id(text: str, taken: set[str]) -> str:
    """The id of a heading of plain `text`: toc's slug, held to the heading-id rule, unique among `taken` (updated).

    toc's slug drops the characters it cannot spell in ASCII, so a title the
    check accepts ("ø__config") can slug to an id of the theme's ("__config",
    the element whose JSON Material's script reads). Such a slug loses its
    leading underscores ("config"); an empty one becomes `_1`, as toc makes it.
    Any other slug is toc's own, so the anchors people link to stay the same.
    """
    slug = slugify(text, "-")
    if not _HEADING_ID.fullmatch(slug):
        # Room for the `_N` that `unique` may add, within the rule's length.
        slug = slug.lstrip("_")[: _HEADING_ID_LENGTH - 10]
    return unique(slug, taken)


def _filter(tag: str, attribute: str, value: str) -> str | None:
    # ammonia calls this for the attributes it already allows, after its URL
    # check; classes and ids are narrowed here (None drops the attribute).
    if attribute == "class":
        kept = [name for name in value.split() if name in CLASSES]
        return " ".join(kept) if kept else None
    if attribute == "id":
        return value if allowed_id(tag, value) else None
    return value


_CLEANER_OPTIONS = {
    "tags": set(TAGS),
    "attributes": {tag: set(names) for tag, names in ATTRIBUTES.items()},
    "url_schemes": set(URL_SCHEMES),
    "link_rel": None,  # a body's links get no rel: keeping the HTML as rendered lets the check compare it
    "strip_comments": True,
}
_CLEANER = nh3.Cleaner(attribute_filter=_filter, **_CLEANER_OPTIONS)
# The resolver of the `sanitize` call under way. One cleaner reads it, instead
# of a cleaner built for each call (building one costs more than cleaning a
# body, and every page and feed item of a build cleans one).
_RESOLVE: ContextVar[Callable[[str], str | None]] = ContextVar("servicetips_resolve_url")


def _resolving_filter(tag: str, attribute: str, value: str) -> str | None:
    kept = _filter(tag, attribute, value)
    return _RESOLVE.get()(kept) if kept is not None and attribute in ("href", "src") else kept


_RESOLVING_CLEANER = nh3.Cleaner(attribute_filter=_resolving_filter, **_CLEANER_OPTIONS)


def _page_filter(tag: str, attribute: str, value: str) -> str | None:
    # A hand-written page sets classes of its own (md-button, grid cards);
    # everything else is judged as in a body.
    return value if attribute == "class" else _filter(tag, attribute, value)


# Comments are kept: the guide's generated blocks are framed by them.
_PAGE_CLEANER = nh3.Cleaner(attribute_filter=_page_filter, **{**_CLEANER_OPTIONS, "strip_comments": False})


def sanitize(html: str, resolve_url: Callable[[str], str | None] | None = None) -> str:
    """`html` with everything outside the allow-list removed, as a browser would parse it.

    With `resolve_url`, every kept `href` and `src` value (as the browser reads it,
    entities decoded) is replaced by `resolve_url(value)`, or dropped when that is
    None: links are re-pointed by the sanitizer's own parser and serializer, never
    by editing the HTML text. Callers sanitize the result once more, so a resolver
    cannot bring in what the allow-list refuses.

    Characters pages and feeds cannot carry are removed before and after the
    sanitizer (which decodes `&#2;` into one).
    """
    html = without_forbidden_characters(html)
    if resolve_url is None:
        return without_forbidden_characters(_CLEANER.clean(html))
    token = _RESOLVE.set(resolve_url)
    try:
        return without_forbidden_characters(_RESOLVING_CLEANER.clean(html))
    finally:
        _RESOLVE.reset(token)


def url_scheme(value: str) -> str | None:
    """The scheme a browser reads in a URL attribute's (entity-decoded) value, lowercase; None if relative."""
    cleaned = _URL_STRIP.sub("", value).strip(
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11"
        "\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "
    )
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


@dataclass(frozen=True)
class Finding:
    """One thing in rendered HTML that the allow-list removes or changes.

    `kind` is element, attribute, class, id, url, markup (a comment, a
    declaration, HTML the sanitizer restructures), character (one pages and
    feeds cannot carry, written by Markdown itself) or reference (a character
    reference that a browser decodes to one); `name` the element, attribute,
    class, id, URL, character or reference; `tag` the element it stands on;
    `detail` what a character or reference stands for.
    """

    kind: str
    name: str
    tag: str = ""
    detail: str = ""

    def describe(self) -> str:
        """What was found, in words: "the attribute 'onclick' on <td>"."""
        on = f" on <{self.tag}>" if self.tag else ""
        if self.kind == "element":
            return f"the element <{self.name}>"
        if self.kind == "markup":
            return f"markup a browser reads differently ({self.name!r})"
        if self.kind in ("character", "reference"):
            return f"{self.detail}, which pages and feeds cannot carry"
        return f"the {self.kind} {self.name[:60]!r}{on}"


class _Walker(HTMLParser):
    """Reads rendered HTML token by token and notes every token outside the allow-list.

    `page`: judged as a hand-written page (any class, comments allowed).
    """

    def __init__(self, page: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.found: list[Finding] = []
        self.tokens: list[tuple] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tokens.append(("start", tag, tuple(sorted((n, v or "") for n, v in attrs))))
        if tag not in TAGS:
            self.found.append(Finding("element", tag))
            return
        allowed = ATTRIBUTES[tag]
        for name, value in attrs:
            value = value or ""
            if name == "id" and name not in allowed:
                self.found.append(Finding("id", value, tag))
            elif name not in allowed:
                self.found.append(Finding("attribute", name, tag))
            elif name == "class":
                if not self.page:
                    self.found.extend(Finding("class", c, tag) for c in value.split() if c not in CLASSES)
            elif name == "id" and not allowed_id(tag, value):
                self.found.append(Finding("id", value, tag))
            elif name in URL_ATTRIBUTES:
                scheme = url_scheme(value)
                if scheme is not None and scheme not in URL_SCHEMES:
                    self.found.append(Finding("url", value, tag))

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("br", "hr", "img"):
            self.tokens.append(("end", tag))

    def handle_data(self, data: str) -> None:
        if self.tokens and self.tokens[-1][0] == "data":
            self.tokens[-1] = ("data", self.tokens[-1][1] + data)
        else:
            self.tokens.append(("data", data))

    def handle_comment(self, data: str) -> None:
        if not self.page:
            self.found.append(Finding("markup", "<!--"))

    def handle_decl(self, decl: str) -> None:
        self.found.append(Finding("markup", "<!"))

    def unknown_decl(self, data: str) -> None:
        self.found.append(Finding("markup", "<![" if data.upper().startswith("CDATA[") else "<!"))

    def handle_pi(self, data: str) -> None:
        self.found.append(Finding("markup", "<?"))


def _walk(html: str, page: bool = False) -> _Walker:
    walker = _Walker(page)
    walker.feed(html)
    walker.close()
    return walker


def _structure(tokens: list[tuple]) -> list[tuple]:
    # A parser inserts the `<tbody>` a table leaves out (Pygments' line-number
    # tables do): the same table, so it is no difference.
    return [token for token in tokens if token[:2] not in (("start", "tbody"), ("end", "tbody"))]


def findings(html: str, clean: str | None = None, page: bool = False) -> list[Finding]:
    """What `sanitize` would remove or change in `html`, in document order; [] when nothing.

    `clean` is `sanitize(html)` when the caller already has it (a cache).
    `page` judges a hand-written page's HTML instead (`page_findings`).

    When the sanitizer leaves the HTML as it is, there is nothing to report
    (the common case, one nh3 call). Otherwise each token outside the
    allow-list is named. A difference that names no token (an unclosed or
    misnested element the sanitizer closes, text that a browser would read
    as a tag) is still reported, as markup, by comparing the two token
    streams: anything the sanitizer changes is a finding.
    """
    characters = _character_findings(html)
    if characters:
        # Removing the characters is all the difference they make: what else the
        # sanitizer would change is found by the walk, and the two streams differ anyway.
        return characters + _walk(html, page).found
    if clean is None:
        clean = _PAGE_CLEANER.clean(html) if page else sanitize(html)
    # The sanitizer re-serialises what it keeps (`&para;` becomes `¶`, `&#160;`
    # `&nbsp;`), so the common difference is spelling, not structure. Equal
    # once entities are decoded on both sides means nothing was dropped: the
    # sanitizer never turns a tag into text, so a dropped tag, attribute or
    # comment always leaves characters missing from `clean`.
    if clean == html or unescape(clean) == unescape(html):
        return []
    walked = _walk(html, page)
    if walked.found:
        return walked.found
    if _structure(walked.tokens) != _structure(_walk(clean, page).tokens):
        return [Finding("markup", "<")]
    return []


def _character_findings(html: str) -> list[Finding]:
    # The source cannot hold such a character (ENC006), so one written as is
    # comes from Markdown; one written as a reference is the writer's.
    found = first_forbidden(html)
    if found is not None:
        offset, detail = found
        return [Finding("character", html[offset], detail=detail)]
    for reference in _CHARACTER_REFERENCE.findall(html) if "&#" in html else ():
        decoded = first_forbidden(_CLEANER.clean(reference))  # decoded as a browser decodes it
        if decoded is not None:
            return [Finding("reference", reference, detail=decoded[1])]
    return []


def page_findings(html: str) -> list[Finding]:
    """What the allow-list refuses in a hand-written page's HTML (its content, as Markdown made it); [] when nothing.

    The body's elements, attributes, ids and URL schemes; any class, and
    comments. The pages are the project's own, but they carry vocabulary
    text: this is the wall behind the escaping of that text.
    """
    return findings(html, page=True)


def allowlist_markdown() -> str:
    """The allow-list as a Markdown list for the contributing guide (block `tips:body-html`)."""
    elements = ", ".join(f"`{tag}`" for tag in sorted(ATTRIBUTES))
    attributes = "; ".join(
        f"`{tag}`: " + ", ".join(f"`{name}`" for name in sorted(names - {"class"}))
        for tag, names in sorted(ATTRIBUTES.items())
        if names - {"class"}
    )
    classes = ", ".join(f"`{name}`" for name in sorted(EXTENSION_CLASSES))
    schemes = ", ".join(f"`{scheme}:`" for scheme in sorted(URL_SCHEMES))
    return (
        f"- Elements: {elements}.\n"
        f"- Attributes besides `class`: {attributes} (ids only as headings and footnotes make them).\n"
        f"- Classes: {classes} (and the code highlighter's own).\n"
        f"- URL schemes: {schemes}, plus relative links and `#anchors`.\n"
    )
