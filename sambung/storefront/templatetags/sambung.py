"""Template helpers: Rupiah amounts and links to the same page in the other language."""

from django import template
from django.urls import translate_url

from sambung.lib.money import format_rupiah

register = template.Library()


@register.filter
def rupiah(amount: int | None) -> str:
    return format_rupiah(amount)


@register.simple_tag(takes_context=True)
def in_language(context, language: str) -> str:
    """Return the current page's address in another language, keeping the query string."""
    request = context["request"]
    url = translate_url(request.path, language)
    query = request.GET.urlencode()
    return f"{url}?{query}" if query else url
