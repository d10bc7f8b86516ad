"""The one vocabulary (targets.vocabulary) in templates: a rating's letter, label, class."""

from django import template

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
