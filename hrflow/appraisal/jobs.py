"""The appraisal's daily job: remind whoever is late, once per step (the notification service).

Staff who have not written their self-evaluation once its due day has passed, raters with ratings
neither given nor excused after theirs, school leaders whose staff still lack a leadership score,
and the school's HR officers of an appeal past its decision day. A reminder is an event per person
and step: notify_many sends it once, so the job is idempotent and a failed run is simply run again.
"""

from collections import defaultdict

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from hrflow.notifications.services import Event, notify_many
from hrflow.org.models import Role, RoleAssignment

from .models import Appraisal, Cycle, PeerAssignment

CHUNK = 2000


def _chunks(ids):
    ids = sorted(set(ids))
    return [tuple(ids[i:i + CHUNK]) for i in range(0, len(ids), CHUNK)]


def daily(*, as_of, user) -> dict:
    counts = {"self": 0, "peer": 0, "leader": 0, "appeal": 0}
    events = []
    with translation.override(settings.LANGUAGE_CODE):
        mine = reverse("appraisal:mine")
        for cycle in Cycle.objects.filter(state=Cycle.State.SELF, self_due__lt=as_of):
            ids = Appraisal.objects.filter(cycle=cycle, self_score__isnull=True, staff__person__user__isnull=False).values_list(
                "staff__person__user_id", flat=True)
            subject = _("Appraisal: your self-evaluation is overdue (%(cycle)s)") % {"cycle": cycle.name}
            for chunk in _chunks(ids):
                events.append(Event(recipient_ids=chunk, event_key=f"appraisal.self-overdue:{cycle.pk}", subject=subject, url=mine))
                counts["self"] += len(chunk)
        for cycle in Cycle.objects.filter(state=Cycle.State.PEER, peer_due__lt=as_of):
            ids = PeerAssignment.objects.filter(appraisal__cycle=cycle, answered=False, excused_reason="",
                                                rater__person__user__isnull=False).values_list("rater__person__user_id", flat=True)
            subject = _("Appraisal: your peer ratings are overdue (%(cycle)s)") % {"cycle": cycle.name}
            for chunk in _chunks(ids):
                events.append(Event(recipient_ids=chunk, event_key=f"appraisal.peer-overdue:{cycle.pk}", subject=subject, url=mine))
                counts["peer"] += len(chunk)
        for cycle in Cycle.objects.filter(state=Cycle.State.LEADER, leader_due__lt=as_of):
            late = set(Appraisal.objects.filter(cycle=cycle, leader_score__isnull=True).values_list("school_id", flat=True).distinct())
            leaders = defaultdict(list)
            for school_id, user_id in RoleAssignment.objects.filter(role=Role.SCHOOL_LEADER, unit__school__id__in=list(late)).values_list(
                    "unit__school__id", "user_id"):
                leaders[school_id].append(user_id)
            subject = _("Appraisal: your staff's leadership scores are overdue (%(cycle)s)") % {"cycle": cycle.name}
            for sc_id, school_id in cycle.schools.filter(school_id__in=list(late)).values_list("id", "school_id"):
                if leaders[school_id]:
                    events.append(Event(recipient_ids=tuple(leaders[school_id]), event_key=f"appraisal.leader-overdue:{sc_id}",
                                        subject=subject, url=reverse("appraisal:leader_scores", args=[sc_id])))
                    counts["leader"] += len(leaders[school_id])
        hr = defaultdict(list)
        late_appeals = list(Appraisal.objects.filter(appeal_state="lodged", appeal_due_on__lt=as_of).values_list("pk", "school_id"))
        for school_id, user_id in RoleAssignment.objects.filter(role=Role.HR_OFFICER, unit__school__id__in={s for _a, s in late_appeals}
                                                                ).values_list("unit__school__id", "user_id"):
            hr[school_id].append(user_id)
        for pk, school_id in late_appeals:
            if hr[school_id]:
                events.append(Event(recipient_ids=tuple(hr[school_id]), event_key=f"appraisal.appeal-overdue:{pk}",
                                    subject=_("Appraisal: an appeal is past its decision day"),
                                    url=reverse("appraisal:appraisal_detail", args=[pk])))
                counts["appeal"] += 1
    notify_many(events)
    return counts
