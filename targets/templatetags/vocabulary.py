"""The one vocabulary (targets.vocabulary) in templates: a rating's letter, label, class."""

from django import template
from django.utils.safestring import mark_safe

from targets.vocabulary import PLAN_TERMS, RATINGS, Term, rating

register = template.Library()


@register.simple_tag
def rating_term(code: str | None) -> Term:
    """``{% rating_term "ACH" as term %}``: the term of a stored rating code."""
    return rating(code)


@register.simple_tag
def plan_terms() -> list[Term]:
    """The terms an improvement plan adds to a key: Achieved, not yet due (seed 004)."""
    return [RATINGS[code] for code in PLAN_TERMS]


@register.simple_tag
def print_rating_colours() -> str:
    """The printed papers' rating colours as CSS, from the vocabulary's fill and ink (the
    spreadsheets' too): static/css/print/paper.css gives each rating its shape only."""
    return mark_safe(  # noqa: S308 - hex codes of the vocabulary, no user text
        " ".join(
            f".rag--{code} {{ background: #{term.fill}; color: #{term.ink}; }}"
            for code, term in RATINGS.items()
            if code != "none"
        )
    )
