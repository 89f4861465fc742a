from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def with_params(context: template.Context, **changes: object) -> str:
    """This page's query string with some parameters set; an empty value removes one."""
    params = context["request"].GET.copy()
    for name, value in changes.items():
        if value in (None, ""):
            params.pop(name, None)
        else:
            params[name] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
