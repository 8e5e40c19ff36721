from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    name = "hrflow.appraisal"
    label = "appraisal"
    verbose_name = _("Appraisal")

    def ready(self):
        from hrflow.core.audited import paths_q, register
        from hrflow.notifications import daily

        from . import jobs

        from . import describe
        from .models import (
            Appraisal, BasePayRate, Committee, CommitteeMember, Cycle, Incident, PayLine, PayRun, PeerAssignment, PeerRating, RaterReveal,
            Responsibility, SchoolCycle,
        )

        register(Cycle, paths_q("unit__path"), describe=describe.cycles)
        register(SchoolCycle, paths_q("school__unit__path"), describe=describe.school_cycles)
        register(Committee, paths_q("school__unit__path"), describe=describe.committees)
        register(CommitteeMember, paths_q("committee__school__unit__path"), describe=describe.members)
        register(Appraisal, paths_q("school__unit__path"), describe=describe.appraisals)
        register(PeerAssignment, paths_q("appraisal__school__unit__path"), describe=describe.assignments)
        # Anonymous by construction: no rater, no user, the day only (see PeerRating).
        register(PeerRating, paths_q("appraisal__school__unit__path"), describe=describe.ratings, hidden_fields=("score",),
                 anonymous_as=_("a peer rater (anonymous)"))
        register(RaterReveal, paths_q("appraisal__school__unit__path"), describe=describe.reveals)
        register(Incident, paths_q("school__unit__path"), describe=describe.incidents)
        register(Responsibility, paths_q("incident__school__unit__path"), describe=describe.responsibilities)
        register(BasePayRate, paths_q("school__unit__path"), describe=describe.rates)
        register(PayRun, paths_q("school__unit__path"), describe=describe.pay_runs)
        register(PayLine, paths_q("run__school__unit__path"), describe=describe.pay_lines)
        daily.register("appraisal", jobs.daily)
