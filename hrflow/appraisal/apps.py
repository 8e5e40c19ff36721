from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    name = "hrflow.appraisal"
    label = "appraisal"
    verbose_name = _("Appraisal")

    def ready(self):
        from hrflow.core.audited import paths_q, register

        from . import describe
        from .models import Appraisal, Committee, CommitteeMember, Cycle, PeerAssignment, PeerRating, SchoolCycle

        register(Cycle, paths_q("unit__path"), describe=describe.cycles)
        register(SchoolCycle, paths_q("school__unit__path"), describe=describe.school_cycles)
        register(Committee, paths_q("school__unit__path"), describe=describe.committees)
        register(CommitteeMember, paths_q("committee__school__unit__path"), describe=describe.members)
        register(Appraisal, paths_q("school__unit__path"), describe=describe.appraisals)
        register(PeerAssignment, paths_q("appraisal__school__unit__path"), describe=describe.assignments)
        # Anonymous by construction: no rater, no user, the day only (see PeerRating).
        register(PeerRating, paths_q("appraisal__school__unit__path"), describe=describe.ratings, hidden_fields=("score",))
