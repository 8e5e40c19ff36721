from django import template
from django.utils.translation import gettext

from hrflow.org.models import Role
from hrflow.policy import RULES, mask_id_number

register = template.Library()


def _param_labels():
    from hrflow.org.models import Gender
    from hrflow.people.models import Education

    education = dict(Education.choices)
    gender = dict(Gender.choices)
    return {"education": education, "required": education, "gender": gender, "dorm_gender": gender,
            "declared": gender, "actual": gender}


@register.filter
def tr_message(item):
    """Translate a policy finding or staffing line: its template, then its coded parameters."""
    text = gettext(item.template)
    if not item.params:
        return text
    labels = _param_labels()
    params = {
        key: str(labels[key].get(value, value)) if key in labels and isinstance(value, str) else value
        for key, value in item.params.items()
    }
    return text % params


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


@register.filter
def masked(number):
    return mask_id_number(number)
