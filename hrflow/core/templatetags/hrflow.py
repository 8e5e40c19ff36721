from datetime import date, datetime

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext, pgettext

from hrflow.core.history import user_label
from hrflow.policy import RULES, mask_id_number
from hrflow.policy.words import PARAM_WORDS

register = template.Library()

# Finding parameters holding a date as ISO text (hrflow.policy is JSON-safe, no date objects).
_DATE_PARAMS = {"as_of", "birth_date", "deadline"}


def human_date(value) -> str:
    """A date (or ISO date text) as the reader's language writes it: 2026年11月25日 / 2026-11-25."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return human_datetime(value)
    return formats.date_format(value, "DATE_FORMAT")


def human_datetime(value) -> str:
    """A moment in the school's time zone (Asia/Shanghai) to the minute."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")


def human_list(values) -> str:
    """A list as prose: 电工证、焊工证; "—" when empty."""
    items = [str(v) for v in values or () if v not in (None, "")]
    # Translators: the separator between items of a list (Chinese uses the enumeration comma 、).
    return pgettext("list separator", ", ").join(items) if items else "—"


def finding_text(template_text: str, params) -> str:
    """A finding's stored message template filled in the reader's language."""
    text = gettext(template_text) if template_text else ""
    if not params or not isinstance(params, dict):
        return text
    values = {}
    for key, value in params.items():
        if key in PARAM_WORDS and isinstance(value, str):
            # A coded value (education level, gender) in words: hrflow.policy.words.
            value = gettext(PARAM_WORDS[key][value]) if value in PARAM_WORDS[key] else value
        elif key in _DATE_PARAMS and isinstance(value, str):
            value = human_date(value)
        elif isinstance(value, list):
            value = human_list(value)
        values[key] = value
    try:
        return text % values
    except (KeyError, TypeError, ValueError):
        # A template and parameters out of step (an older rule version): show what is there.
        return text


def rule_text(rule_id, clause=None) -> str:
    """A rule code with its title and clause: ELIG-AGE-M 男性60周岁以下 · 三(三)."""
    rule = RULES.get(rule_id)
    if rule is None:
        return f"{rule_id} · {clause}" if clause else str(rule_id)
    return f"{rule_id} {gettext(rule.title)} · {clause or rule.clause}"


@register.filter
def tr_message(item):
    """Translate a policy finding or staffing line: its template, then its coded parameters."""
    return finding_text(item.template, item.params)


@register.filter
def rule_title(rule_id):
    rule = RULES.get(rule_id)
    return gettext(rule.title) if rule else rule_id


@register.filter
def rule_label(item):
    """A rule code never stands alone: `{{ finding|rule_label }}` or `{{ "ELIG-AGE-M"|rule_label }}`."""
    if isinstance(item, str):
        return rule_text(item)
    return rule_text(item.rule, getattr(item, "clause", None))


@register.filter
def as_list(values):
    return human_list(values)


@register.filter
def when(value):
    """A date or a moment, for a person: {{ round.closes_on|when }}."""
    if value in (None, ""):
        return "—"
    if isinstance(value, datetime):
        return human_datetime(value)
    return human_date(value)


@register.filter
def role_label(role):
    """A grant's role in words: hrflow.org.scope gives grants their Role (a str with a label)."""
    return getattr(role, "label", role)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def menu_for(app, user):
    return app.menu_for(user)


@register.filter
def masked(number):
    return mask_id_number(number)


@register.filter
def who(user):
    """The user who wrote a change, for a person: their name, or 系统（自动） for jobs and commands."""
    return user_label(user)


@register.simple_tag(takes_context=True)
def cursor_query(context, cursor=None):
    """This page's query string with the keyset cursor replaced (None: the first page)."""
    query = context["request"].GET.copy()
    query.pop("cursor", None)
    query.pop("page", None)
    if cursor:
        query["cursor"] = cursor
    return "?" + query.urlencode()


@register.filter
def changes_html(changes):
    """A change row's "field: old → new" lines. Built here rather than by a template loop: the
    change log renders hundreds of them per page (the loop was most of the page's time)."""
    colon = pgettext("after a label", ": ")
    return format_html_join("", "<div><b>{}</b>{}{} → {}</div>", ((c.field, colon, c.old, c.new) for c in changes))

