from django import template
from django.utils.translation import gettext

from hrflow.org.models import Role
from hrflow.policy import RULES

register = template.Library()


@register.filter
def tr_message(item):
    """Translate a policy finding or staffing line: its template, then its parameters."""
    text = gettext(item.template)
    return text % item.params if item.params else text


@register.filter
def rule_title(rule_id):
    rule = RULES.get(rule_id)
    return gettext(rule.title) if rule else rule_id


@register.filter
def role_label(role):
    try:
        return Role(role).label
    except ValueError:
        return role


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def menu_for(app, user):
    return app.menu_for(user)
