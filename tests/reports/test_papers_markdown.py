"""The Director's text: numbered paragraphs as in the papers, and sanitised HTML."""

import pytest

from reports.markdown import numbered_paragraphs, render_markdown, split_paragraphs

SEED_001_2_3 = """2.3 The following conclusions were agreed and recommended to the Board:
- All targets should be ranked in priority order within each of the three themes
- Failing services should be referred to as 'services for improvement'

2.4 The Steering Group noted that the Member/Officer seminar may cause difficulty."""


def test_paragraphs_are_numbered_within_their_section():
    paragraphs = numbered_paragraphs(2, "First paragraph.\n\nSecond one.\n\nThird.")

    assert [number for number, _ in paragraphs] == ["2.1", "2.2", "2.3"]
    assert str(paragraphs[1][1]) == "<p>Second one.</p>"


def test_a_list_belongs_to_the_paragraph_before_it_even_without_a_blank_line():
    paragraphs = numbered_paragraphs(2, SEED_001_2_3)

    assert [number for number, _ in paragraphs] == ["2.1", "2.2"]
    first = str(paragraphs[0][1])
    assert first.startswith("<p>The following conclusions were agreed")
    assert "<li>All targets should be ranked" in first
    assert "<li>Failing services should be referred to as 'services for improvement'</li>" in first


def test_numbers_the_writer_typed_are_replaced_in_order():
    # Seed 002, item 8, prints two paragraphs 4.1: the paper numbers them 4.1 and 4.2.
    text = "4.1 The Board approve the first.\n\n4.1 The Board approve the second."

    assert split_paragraphs(text) == [
        "The Board approve the first.",
        "The Board approve the second.",
    ]
    assert [number for number, _ in numbered_paragraphs(4, text)] == ["4.1", "4.2"]


def test_a_numbered_list_under_a_paragraph_stays_a_list():
    text = "It was agreed to evidence:\n1. Sector Lead Improvement\n2. Return on Investment"

    ((number, html),) = numbered_paragraphs(3, text)
    assert number == "3.1"
    assert "<ol>\n<li>Sector Lead Improvement</li>" in str(html)


def test_plain_text_keeps_its_line_breaks_and_an_empty_body_has_no_paragraph():
    assert str(render_markdown("Chris Allison\nDirector EM IEP")) == (
        "<p>Chris Allison<br>\nDirector EM IEP</p>"
    )
    assert numbered_paragraphs(1, "   \n\n  ") == []


@pytest.mark.parametrize(
    ("source", "absent"),
    [
        ("Hello <script>alert(1)</script> there", "alert"),
        ('<img src="x" onerror="alert(1)">', "<img"),
        ('<a href="javascript:alert(1)">click</a>', "javascript"),
        ("[click](javascript:alert(1))", "javascript"),
        ('<p onclick="steal()">text</p>', "onclick"),
        ('<a href="/admin/">relative</a>', "href"),
        ("<style>body{display:none}</style>text", "display"),
        ('<iframe src="https://example.org"></iframe>', "iframe"),
        ('<span style="color:red">red</span>', "style"),
    ],
)
def test_the_html_is_sanitised(source, absent):
    assert absent not in str(render_markdown(source))


def test_allowed_markup_survives_with_safe_links():
    html = str(render_markdown("**Bold**, *italic* and [the RIEP](https://www.example.org/board)"))

    assert "<strong>Bold</strong>" in html
    assert "<em>italic</em>" in html
    assert '<a href="https://www.example.org/board" rel="noopener noreferrer">the RIEP</a>' in html
