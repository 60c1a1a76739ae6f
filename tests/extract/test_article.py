"""The article region of text saved from a web page; offsets stay into the full text."""

from gawah.extract import extract_facts
from gawah.extract.article import find_article

PAGE = """Skip to main content
Home | News | Opinion | Subscribe

Three Former Soldiers Detained in Kunduz

By Staff Writer

Kunduz, 4 March 2023 - Taliban intelligence officers detained three former soldiers at their homes in
Kunduz city on Friday night, relatives told our reporter. The men had registered for the amnesty
in 2021 and had not been threatened since then.

The families said they had not been told where the men were taken and asked for their release.

Sign up for our newsletter to receive the latest news every morning.

Related stories
Journalist arrested in Herat
Schools remain closed for girls

Jamila Rahimi is a journalist and researcher based in Kabul. She has written about detentions
and disappearances for five years and was arrested herself in 2022.

© 2023 Example News. All rights reserved.
"""


def test_article_region_leaves_out_page_furniture() -> None:
    start, end = find_article(PAGE)
    article = PAGE[start:end]
    assert "Taliban intelligence officers detained" in article
    assert "Sign up" not in article
    assert "Related stories" not in article
    assert "Jamila Rahimi is a journalist" not in article
    assert "Subscribe" not in article


def test_facts_come_from_the_article_only() -> None:
    result = extract_facts(PAGE)
    quotes = [s.quote for inc in result.incidents for s in inc.spans]
    assert any("detained three former soldiers" in q for q in quotes)
    # The related-link "Journalist arrested in Herat" and the author's own arrest are not facts.
    assert all("Herat" not in q and "arrested herself" not in q for q in quotes)
    assert all(p.province != "Hirat" for inc in result.incidents for p in inc.places)


def test_offsets_stay_into_the_full_text() -> None:
    result = extract_facts(PAGE)
    for inc in result.incidents:
        for span in inc.spans:
            assert PAGE[span.start:span.end] == span.quote
    assert result.document.article_start > 0


def test_text_without_prose_is_taken_whole() -> None:
    assert find_article("one line") == (0, len("one line"))
    assert find_article("") == (0, 0)
