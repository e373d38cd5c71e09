"""The email-ready tip of the week: `email.html` and `email.txt` for one week, from plain data.

Newsletter editors paste or import these as they are, so the HTML follows
what mail clients accept rather than what browsers do: one table at most
600 px wide, inline styles only (Gmail and Outlook drop `<style>` and
stylesheets), no script, every link and image absolute https, a hidden
preheader (the line inboxes show after the subject), and well under Gmail's
102 KB clipping limit.

Dark mode: mail apps either leave a message as it is (the page announces
`color-scheme`) or invert its colours. Every block of text sits on a cell
with its own background colour, set both as `bgcolor` and in `style`, and
every text colour is paired with that background, so an inverting client
changes both together; the pairs keep 4.5:1 before and after inversion
(tested).

The body HTML comes from the caller already sanitised (the site's
allow-list); this module only gives its elements inline styles, walking the
parsed fragment (lxml), and makes its links absolute.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html
from markupsafe import Markup

from .jinja import environment

WIDTH = 600  # px: the width mail clients lay a message out at
PADDING = 24
CONTENT_WIDTH = WIDTH - 2 * PADDING
TEXT_WIDTH = 72  # characters per line of email.txt
MAX_BYTES = 100_000  # Gmail clips a message past 102 KB

# Colours: (text, background) pairs chosen to keep 4.5:1 also once a client
# inverts them (see the module docstring). Indigo is Material's indigo shade.
PAGE_BG = "#eceff7"
CARD_BG = "#ffffff"
TEXT = "#1f2333"
MUTED = "#4a4f63"
LINK = "#303fa1"
BAND_BG = "#303fa1"
BAND_TEXT = "#ffffff"
QUOTE_BORDER = "#7986cb"
CODE_BG = "#eef0f8"

FONT = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
MONO = "SFMono-Regular, Consolas, 'Liberation Mono', Menlo, monospace"

# Inline styles of the body's elements. Mail clients ignore classes, so each
# element carries its own; anything not listed keeps no style.
BODY_STYLES = {
    "p": f"margin:0 0 16px;font-family:{FONT};font-size:16px;line-height:1.6;color:{TEXT};",
    "h2": f"margin:24px 0 8px;font-family:{FONT};font-size:20px;line-height:1.3;font-weight:700;color:{TEXT};",
    "h3": f"margin:20px 0 8px;font-family:{FONT};font-size:17px;line-height:1.3;font-weight:700;color:{TEXT};",
    "h4": f"margin:16px 0 8px;font-family:{FONT};font-size:16px;line-height:1.3;font-weight:700;color:{TEXT};",
    "ul": f"margin:0 0 16px;padding:0 0 0 24px;font-family:{FONT};font-size:16px;line-height:1.6;color:{TEXT};",
    "ol": f"margin:0 0 16px;padding:0 0 0 24px;font-family:{FONT};font-size:16px;line-height:1.6;color:{TEXT};",
    "li": f"margin:0 0 6px;color:{TEXT};",
    "a": f"color:{LINK};text-decoration:underline;",
    "blockquote": f"margin:0 0 16px;padding:4px 0 4px 16px;border-left:4px solid {QUOTE_BORDER};color:{MUTED};",
    "code": f"font-family:{MONO};font-size:14px;background-color:{CODE_BG};color:{TEXT};padding:1px 4px;",
    "pre": (
        f"margin:0 0 16px;padding:12px;background-color:{CODE_BG};color:{TEXT};white-space:pre-wrap;"
        "word-break:break-word;font-size:14px;"
    ),
    "img": "display:block;max-width:100%;height:auto;border:0;",
    "table": f"border-collapse:collapse;margin:0 0 16px;font-family:{FONT};font-size:15px;color:{TEXT};",
    "th": f"border:1px solid {QUOTE_BORDER};padding:6px 8px;text-align:left;",
    "td": f"border:1px solid {QUOTE_BORDER};padding:6px 8px;",
    "dl": f"margin:0 0 16px;font-family:{FONT};font-size:16px;line-height:1.6;color:{TEXT};",
    "dt": "font-weight:700;",
    "dd": "margin:0 0 8px 24px;",
    "hr": f"border:0;border-top:1px solid {QUOTE_BORDER};margin:24px 0;",
}
# Never in an email, whatever the caller passed: these would be stripped or
# blocked by mail clients anyway. Not a security boundary (the caller's
# allow-list is); it keeps the message valid for every client.
DROPPED = {"script", "style", "link", "meta", "iframe", "object", "embed", "form", "input", "button", "base"}
# The attributes an element keeps; every other one goes (classes and ids
# have no stylesheet to serve, event handlers have no place in mail).
KEPT_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"colspan", "rowspan", "align"},
    "td": {"colspan", "rowspan", "align"},
}
_BLOCKS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "blockquote",
    "pre",
    "table",
    "tr",
    "dl",
    "dt",
    "dd",
    "hr",
    "div",
}


@dataclass(frozen=True)
class WeekEmail:
    """One week's email, as plain data; every URL absolute https.

    week_label: e.g. "Tip of the week · 2026-W48 · 23-29 Nov 2026";
    body_html: the tip's body, already sanitised (links are made absolute
    against tip_url); card_alt: the card image's text alternative;
    footer: the subscription line (how to leave or change it).
    """

    week_label: str
    title: str
    summary: str
    body_html: str
    card_url: str
    card_alt: str
    tip_url: str
    week_url: str
    site_name: str
    site_url: str
    footer: str

    def __post_init__(self) -> None:
        for name in ("card_url", "tip_url", "week_url", "site_url"):
            if not is_https(getattr(self, name)):
                raise ValueError(f"{name} must be an absolute https URL, got {getattr(self, name)!r}")


def is_https(url: str) -> bool:
    """True for an absolute https URL with a host."""
    parts = urlsplit(url or "")
    return parts.scheme == "https" and bool(parts.netloc)


def _fragment(body_html: str):
    """The body parsed as an HTML fragment inside one <div>."""
    return lxml_html.fragment_fromstring(body_html or "", create_parent="div")


def _absolute(url: str, base: str) -> str:
    return urljoin(base, url.strip())


def style_body(body_html: str, base_url: str) -> str:
    """The body HTML with an inline style on each element, absolute https links, and nothing mail drops.

    Relative links and images resolve against `base_url` (the tip's page).
    A link that is not https afterwards (http, mailto, tel) becomes its text
    followed by the address in brackets; an image that is not https becomes
    its alt text. Attributes outside KEPT_ATTRIBUTES go.
    """
    root = _fragment(body_html)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):  # comments and processing instructions
            element.drop_tree()
            continue
        if element.tag in DROPPED:
            element.drop_tree()
    for element in list(root.iter()):
        if element is root:
            continue
        kept = KEPT_ATTRIBUTES.get(element.tag, set())
        for attribute in list(element.attrib):
            if attribute not in kept:
                del element.attrib[attribute]
        if element.tag == "a":
            _fix_link(element, base_url)
        elif element.tag == "img":
            _fix_image(element, base_url)
            continue
        if element.tag in BODY_STYLES and element.getparent() is not None:
            element.set("style", BODY_STYLES[element.tag])
    return "".join(_serialise_children(root))


def _fix_link(element, base_url: str) -> None:
    href = element.get("href")
    if href is None:
        return
    target = _absolute(href, base_url)
    if is_https(target):
        element.set("href", target)
        return
    # Keep what the link said, and where it pointed, as text.
    shown = target[len("mailto:") :] if target.startswith("mailto:") else target
    text, tail = element.text_content(), element.tail
    element.clear()  # also clears the tail, the text after the link: put it back
    element.tail = tail
    element.tag = "span"
    element.text = text if shown in text else f"{text} ({shown})"


def _fix_image(element, base_url: str) -> None:
    src = _absolute(element.get("src") or "", base_url)
    if is_https(src):
        element.set("src", src)
        element.set("alt", element.get("alt") or "")
        element.set("style", BODY_STYLES["img"])
        return
    alt, tail = element.get("alt") or "", element.tail
    element.clear()
    element.tail = tail
    element.tag = "span"
    element.text = alt


def _serialise_children(root) -> Iterator[str]:
    if root.text:
        yield str(Markup.escape(root.text))
    for child in root:
        yield lxml_html.tostring(child, encoding="unicode", method="html")


def body_text(body_html: str, base_url: str, width: int = TEXT_WIDTH) -> tuple[str, list[str]]:
    """The body as plain text wrapped at `width`, and the links it mentions, in order.

    Each link's text is followed by its number in brackets, [1], [2], ...;
    the caller lists the numbered addresses after the text.
    """
    root = _fragment(body_html)
    links: list[str] = []
    blocks: list[str] = []
    _text_blocks(root, base_url, links, blocks, width, prefix="")
    return "\n\n".join(block for block in blocks if block.strip()), links


def _inline_text(element, base_url: str, links: list[str]) -> str:
    """The text of an element's inline content, with [n] after each link."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag not in DROPPED:
            parts.append(_inline_element(child, base_url, links))
        parts.append(child.tail or "")
    return "".join(parts)


def _inline_element(element, base_url: str, links: list[str]) -> str:
    """One inline element (without its tail) as text."""
    if element.tag == "a" and element.get("href"):
        target = _absolute(element.get("href"), base_url)
        if target not in links:
            links.append(target)
        return f"{_inline_text(element, base_url, links)} [{links.index(target) + 1}]"
    if element.tag == "br":
        return "\n"
    if element.tag == "img":
        return element.get("alt") or ""
    return _inline_text(element, base_url, links)


def _wrap(text: str, width: int, first: str, rest: str) -> str:
    lines = []
    for i, paragraph in enumerate(text.split("\n")):
        words = " ".join(paragraph.split())
        lines.append(
            textwrap.fill(
                words,
                width,
                initial_indent=first if i == 0 else rest,
                subsequent_indent=rest,
                break_long_words=False,
                break_on_hyphens=False,
            )
            or (first if i == 0 else rest).rstrip()
        )
    return "\n".join(lines)


def _text_blocks(element, base_url, links, blocks, width, prefix) -> None:
    """Append the blocks of `element`'s children as wrapped text (lists as '- ', quotes as '> ')."""
    inline_run = [element.text or ""] if element.text and element.text.strip() else []
    for child in element:
        if not isinstance(child.tag, str) or child.tag in DROPPED:
            continue
        if child.tag not in _BLOCKS:
            inline_run.append(_inline_element(child, base_url, links))
            inline_run.append(child.tail or "")
            continue
        if "".join(inline_run).strip():
            blocks.append(_wrap("".join(inline_run), width, prefix, prefix))
        inline_run = []
        tag = child.tag
        if tag in ("ul", "ol"):
            items = []
            for number, item in enumerate((li for li in child if li.tag == "li"), start=1):
                marker = f"{number}. " if tag == "ol" else "- "
                items.append(
                    _wrap(_inline_text(item, base_url, links), width, prefix + marker, prefix + " " * len(marker))
                )
            blocks.append("\n".join(items))
        elif tag == "blockquote":
            _text_blocks(child, base_url, links, blocks, width, prefix + "> ")
        elif tag == "pre":
            code = child.text_content().rstrip("\n")
            blocks.append("\n".join(prefix + "    " + line for line in code.split("\n")))
        elif tag == "hr":
            blocks.append(prefix + "-" * 8)
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            text = " ".join(_inline_text(child, base_url, links).split())
            blocks.append(_wrap(text.upper() if tag in ("h1", "h2") else text, width, prefix, prefix))
        elif tag == "table":  # one line per row, cells separated by " | "
            rows = [
                " | ".join(
                    " ".join(_inline_text(cell, base_url, links).split()) for cell in row if cell.tag in ("th", "td")
                )
                for row in child.iter("tr")
            ]
            blocks.append("\n".join(_wrap(row, width, prefix, prefix + "  ") for row in rows))
        elif tag in ("div", "dl"):
            _text_blocks(child, base_url, links, blocks, width, prefix)
        else:  # p, li, dt, dd, tr outside their usual parents
            blocks.append(_wrap(_inline_text(child, base_url, links), width, prefix, prefix))
        if child.tail and child.tail.strip():
            inline_run.append(child.tail)
    if "".join(inline_run).strip():
        blocks.append(_wrap("".join(inline_run), width, prefix, prefix))


def render_email_html(email: WeekEmail) -> str:
    """The week's email as one HTML document that mail clients accept (see the module docstring)."""
    template = environment(keep_trailing_newline=True).get_template("email.html")
    return template.render(
        email=email,
        body=Markup(style_body(email.body_html, email.tip_url)),
        width=WIDTH,
        padding=PADDING,
        content_width=CONTENT_WIDTH,
        font=FONT,
        colours={
            "page": PAGE_BG,
            "card": CARD_BG,
            "text": TEXT,
            "muted": MUTED,
            "link": LINK,
            "band": BAND_BG,
            "band_text": BAND_TEXT,
        },
    )


def render_email_text(email: WeekEmail) -> str:
    """The week's email as plain text: the same content, wrapped at 72 characters, links listed."""
    body, links = body_text(email.body_html, email.tip_url)
    template = environment(keep_trailing_newline=True).get_template("email.txt")
    return template.render(
        email=email, body=body, links=list(enumerate(links, start=1)), wrap=lambda text: _wrap(text, TEXT_WIDTH, "", "")
    )
