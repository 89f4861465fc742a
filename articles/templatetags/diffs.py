from collections.abc import Sequence

from django import template
from django.utils.safestring import SafeString

from articles.diffing import Segment, render_segments

register = template.Library()


@register.filter
def segments(value: Sequence[Segment]) -> SafeString:
    """A diff's segments as HTML built from escaped text."""
    return render_segments(value)
