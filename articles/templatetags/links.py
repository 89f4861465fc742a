from urllib.parse import urlsplit

from django import template

from articles.canonical import SCHEMES

register = template.Library()


@register.filter
def web_url(value: str) -> str:
    """``value`` if it is an http or https URL, else "": what a page may put in a link's href.

    Tracked URLs are checked when they are added, but a row written another way (a shell, an old import)
    must not become a javascript: or data: link. urlsplit reads the scheme as a browser does, after
    dropping leading spaces and controls and any tab or newline, so " java\\tscript:" is caught too."""
    return value if urlsplit(value).scheme.lower() in SCHEMES else ""
