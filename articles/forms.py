"""Forms of the site's own pages (the admin's are in admin.py)."""

from typing import Any

from django import forms
from django.forms.fields import InvalidJSONInput

from articles.canonical import MAX_URL_LENGTH, InvalidURL
from articles.models import Article, Source


class TrackForm(forms.Form):
    """A URL for staff to track, checked as every way of tracking checks it (Article.objects.trackable)."""

    # A text input, not type=url, and no maxlength: the browser would check or silently cut the URL before
    # the server could say what is wrong with it (at most MAX_URL_LENGTH characters).
    url = forms.CharField(
        label="Article URL",
        error_messages={"required": "Enter a URL."},
        help_text=f"http or https, at most {MAX_URL_LENGTH:,} characters.",
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"}),
    )
    source = forms.ModelChoiceField(
        Source.objects.order_by("name"),
        required=False,
        to_field_name="slug",
        empty_label="(none)",
        help_text="The publication, if it is one newsdiffs knows; it can be set later in the admin.",
    )

    def clean_url(self) -> str:
        try:
            url, _existing = Article.objects.trackable(self.cleaned_data["url"])
        except InvalidURL as exc:
            raise forms.ValidationError(str(exc)) from None
        return url


class JSONField(forms.JSONField):
    """Django's JSON form field, with JSON nested deeper than Python's stack "not valid JSON" like any
    other: Django catches only JSONDecodeError, and "[[[[…" a hundred thousand deep was a RecursionError,
    a 500 (articles/params.py has the same rule for cursors and the API's parser)."""

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except RecursionError:
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": "…"}
            ) from None

    def bound_data(self, data: Any, initial: Any) -> Any:
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)
