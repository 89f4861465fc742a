"""Spans of time in words, for pages."""

from datetime import datetime, timedelta

from django import template
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def later(earlier: datetime, then: datetime) -> str:
    """How long after ``earlier`` ``then`` came: "2 hours later", "moments later" (not "0 minutes")."""
    if then - earlier < timedelta(minutes=1):
        return "moments later"
    return f"{timesince(earlier, then)} later"
