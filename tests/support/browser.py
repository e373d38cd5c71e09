"""Driving the built site in a browser (Playwright pages)."""

from __future__ import annotations

SEARCH_FIELD = "[data-tips-search] input.md-search__input"


def search_for(page, word: str) -> None:
    """Type `word` into the site search and wait until the results answer the whole word.

    Results appear while the word is still being typed ("t", "th", ...): the
    list that answers the whole word is the one whose first link carries it
    in its ?highlight= parameter.
    """
    query = page.locator(SEARCH_FIELD)
    query.click()
    query.press_sequentially(word)
    page.wait_for_function(
        """word => {
            const first = document.querySelector('.md-search-result__list > li a');
            return first !== null && new URL(first.href).searchParams.get('highlight') === word;
        }""",
        arg=word,
        timeout=60_000,
    )
