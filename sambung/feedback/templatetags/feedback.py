"""Presentation of reviews: stars as text, the reviewer's first name."""

from django import template

register = template.Library()


@register.filter
def stars(count: int | None) -> str:
    """Return five stars, `count` of them filled: 4 -> '★★★★☆'."""
    filled = max(0, min(5, int(count or 0)))
    return "★" * filled + "☆" * (5 - filled)


@register.filter
def first_name(full_name: str) -> str:
    """Return the first word of a buyer's name: reviews show no more of her name than that."""
    return (full_name or "").split(" ", 1)[0]
