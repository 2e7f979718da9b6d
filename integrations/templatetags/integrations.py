from django import template

from integrations.selectors import connection_reauthorisation_list

register = template.Library()


@register.inclusion_tag("integrations/_reauthorise_prompt.html", takes_context=True)
def reauthorise_prompt(context: template.Context, provider: str | None = None) -> dict:
    """Reauthorise prompts for the firm's add-ons (of `provider` only, when given)."""
    firm = getattr(context.get("request"), "firm", None)
    connections = (
        connection_reauthorisation_list(firm=firm, provider=provider) if firm is not None else []
    )
    return {
        "connections": connections,
        "is_firm_admin": context.get("is_firm_admin", False),
        "csrf_token": context.get("csrf_token"),
    }
