"""The email-ready tip of the week: what mail clients accept, the same content as text, in Chromium at 600 px."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html

from servicetips import email as mail
from servicetips.email import WeekEmail, body_text, render_email_html, render_email_text, style_body

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "email"
BODY = (FIXTURES / "body-400-words.html").read_text("utf-8")
SITE = "https://servicetips.example.org/"
TIP = SITE + "tips/pause-before-you-answer/"


def week(body: str = BODY, **changes) -> WeekEmail:
    fields = {
        "week_label": "Tip of the week · 2026-W48 · 23–29 Nov 2026",
        "title": 'Pause & "breathe" <first>',
        "summary": "One breath before replying keeps a complaint from becoming two.",
        "body_html": body,
        "card_url": SITE + "cards/weekly/2026-W48.png",
        "card_alt": "Pause before you answer: tip of the week",
        "tip_url": TIP,
        "week_url": SITE + "weekly/2026-W48/",
        "site_name": "Service Tips",
        "site_url": SITE,
        "footer": "You get this email because you subscribed to the Service Tips feed.",
    }
    fields.update(changes)
    return WeekEmail(**fields)


@pytest.fixture(scope="module")
def html_text() -> str:
    return render_email_html(week())


@pytest.fixture(scope="module")
def tree(html_text):
    return lxml_html.document_fromstring(html_text)


def test_the_fixture_body_has_at_least_400_words():
    assert len(lxml_html.fragment_fromstring(BODY, create_parent="div").text_content().split()) >= 400


def test_no_script_style_or_stylesheet(tree, html_text):
    assert tree.xpath("//script|//style|//link|//iframe|//form") == []
    assert "<script" not in html_text.lower() and "<style" not in html_text.lower()
    assert not [e for e in tree.iter() if isinstance(e.tag, str) and any(a.startswith("on") for a in e.attrib)]
    assert tree.xpath("//@class|//@id") == []


def test_every_href_and_src_is_absolute_https(tree):
    urls = tree.xpath("//@href|//@src")
    assert len(urls) > 8
    assert [url for url in urls if urlsplit(url).scheme != "https" or not urlsplit(url).netloc] == []


def test_relative_links_images_and_footnotes_point_at_the_site(tree):
    hrefs = tree.xpath("//a/@href")
    assert SITE + "tips/pause-before-you-answer/other-tip.md" in hrefs
    assert TIP + "#fn:1" in hrefs
    assert SITE + "tips/images/calm.png" in tree.xpath("//img/@src")


def test_links_that_are_not_https_keep_their_address_as_text(tree):
    text = tree.text_content()
    assert "team@example.org or read the old page (http://insecure.example.org/page)." in " ".join(text.split())
    assert "A tracker pixel" in text
    assert not tree.xpath("//img[contains(@src, 'tracker')]")


def test_size_is_under_gmails_clipping_limit(html_text):
    assert len(html_text.encode("utf-8")) < mail.MAX_BYTES


def test_preheader_is_the_summary_hidden(tree):
    first = tree.body[0]
    assert first.tag == "div"
    assert first.text_content().startswith("One breath before replying")
    assert "display:none" in first.get("style")


def test_layout_is_a_table_at_most_600_wide_with_inline_styles(tree):
    inner = tree.xpath("//table[@width='600']")
    assert len(inner) == 1 and "max-width:600px" in inner[0].get("style")
    for element in tree.xpath("//p|//h1|//h2|//ul|//li|//blockquote|//code|//a"):
        assert element.get("style"), lxml_html.tostring(element)[:80]


def test_the_card_image_has_alt_text_and_the_site_link_is_there(tree):
    card = tree.xpath("//img[@src=$u]", u=SITE + "cards/weekly/2026-W48.png")
    assert len(card) == 1 and card[0].get("alt") == "Pause before you answer: tip of the week"
    assert tree.xpath("//a[@href=$u][normalize-space()='Read it on the site']", u=TIP)


def test_title_is_escaped_once(html_text, tree):
    assert "&lt;first&gt;" in html_text and "<first>" not in html_text
    assert tree.xpath("string(//h1)") == 'Pause & "breathe" <first>'


def relative_luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def inverted(hex_colour: str) -> str:
    return "#" + "".join(f"{255 - int(hex_colour[i : i + 2], 16):02x}" for i in (1, 3, 5))


@pytest.mark.parametrize(
    "text, background",
    [
        (mail.TEXT, mail.CARD_BG),
        (mail.MUTED, mail.CARD_BG),
        (mail.LINK, mail.CARD_BG),
        (mail.BAND_TEXT, mail.BAND_BG),
        (mail.MUTED, mail.PAGE_BG),
        (mail.LINK, mail.PAGE_BG),
        (mail.TEXT, mail.CODE_BG),
    ],
)
def test_colour_pairs_stay_readable_as_they_are_and_inverted(text, background):
    assert contrast(text, background) >= 4.5
    assert contrast(inverted(text), inverted(background)) >= 4.5


def test_every_text_cell_sets_its_own_background(tree):
    for cell in tree.xpath("//td[normalize-space()]"):
        inside_body = cell.xpath("ancestor::td[@bgcolor]")
        assert cell.get("bgcolor") or inside_body, lxml_html.tostring(cell)[:80]


def test_style_body_walks_the_tree_not_the_text():
    # A tag-like string in text or an attribute value is not an element: it stays text.
    styled = style_body('<p title="<p>">1 &lt; 2 <code>&lt;p&gt;</code></p>', TIP)
    parsed = lxml_html.fragment_fromstring(styled, create_parent="div")
    assert [e.tag for e in parsed.iter()][1:] == ["p", "code"]
    assert parsed.text_content() == "1 < 2 <p>"


def test_urls_other_than_https_are_refused_for_the_frame():
    with pytest.raises(ValueError, match="card_url"):
        week(card_url="http://servicetips.example.org/card.png")
    with pytest.raises(ValueError, match="tip_url"):
        week(tip_url="/tips/x/")


def test_text_version_says_the_same_wrapped_with_links_listed():
    text = render_email_text(week())
    lines = text.splitlines()
    assert lines[0] == "Service Tips"
    assert 'Pause & "breathe" <first>' in text  # plain text: nothing escaped
    assert "Read it on the site: " + TIP in text
    assert all(len(line) <= 72 for line in lines if "://" not in line), [line for line in lines if len(line) > 72]
    assert "- " in text and "> " in text and "    Hello Sam," in text
    assert "Before | After" in lines
    assert "[1] " + SITE + "tips/pause-before-you-answer/other-tip.md" in lines
    assert any(line.startswith("[") and "mailto:team@example.org" in line for line in lines)
    assert "alert(1)" not in text and "color:red" not in text


def test_text_and_html_tell_the_same_words():
    body, _ = body_text(BODY, TIP)
    words_text = set(body.lower().replace("[", " ").split())
    styled = lxml_html.fragment_fromstring(style_body(BODY, TIP), create_parent="div")
    html_words = set(" ".join(styled.itertext()).lower().split())
    missing = {w for w in html_words - words_text if w.isalpha()}
    assert missing == set()


def test_same_week_same_bytes():
    assert render_email_html(week()) == render_email_html(week())
    assert render_email_text(week()) == render_email_text(week())


@pytest.mark.browser
def test_chromium_renders_it_at_600px_without_horizontal_scroll(browser, html_text, tmp_path):
    path = tmp_path / "email.html"
    path.write_text(html_text, "utf-8")
    context = browser.new_context(viewport={"width": 600, "height": 900})
    tab = context.new_page()
    # No network: the email's https images must not be fetched from a test.
    tab.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file:") else route.continue_())
    tab.goto(path.as_uri())
    scroll, client = tab.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    widest = tab.evaluate("Math.max(...[...document.querySelectorAll('table')].map(t => t.offsetWidth))")
    context.close()
    assert scroll <= client
    assert widest <= 600
