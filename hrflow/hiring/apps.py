from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HiringConfig(AppConfig):
    name = "hrflow.hiring"
    label = "hiring"
    verbose_name = _("Open selection")

    def ready(self):
        from django.db.models import Q

        from hrflow.core.audited import paths_q, register

        from . import models as m

        # Every step of a round is audited; `round_field` lets an auditor replay one round.
        for model, path, round_field in [
            (m.SelectionRound, "school__unit__path", "id"),
            (m.RoundPost, "round__school__unit__path", "round_id"),
            (m.Application, "round__school__unit__path", "round_id"),
            (m.Finding, "application__round__school__unit__path", "application__round_id"),
            (m.Rater, "round__school__unit__path", "round_id"),
            (m.Recusal, "rater__round__school__unit__path", "rater__round_id"),
            (m.Score, "application__round__school__unit__path", "application__round_id"),
            (m.Examination, "application__round__school__unit__path", "application__round_id"),
            (m.CollectiveReview, "round__school__unit__path", "round_id"),
            (m.ReviewMember, "review__round__school__unit__path", "review__round_id"),
            (m.ReviewItem, "review__round__school__unit__path", "review__round_id"),
            (m.Publicity, "round__school__unit__path", "round_id"),
            (m.Objection, "publicity__round__school__unit__path", "publicity__round_id"),
        ]:
            register(model, paths_q(path), round_field=round_field, **_extra(m, model))
        # The working-day calendar belongs to no school: every auditor sees its changes.
        register(m.CalendarDay, lambda paths: Q())


def _extra(m, model):
    if model is m.Application:
        return {"sensitive_fields": m.APPLICATION_SENSITIVE_FIELDS, "person_of": m.application_schools}
    return {}

