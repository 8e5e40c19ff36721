"""Export kinds: what can be exported, by whom, and how its rows are read.

An app declares its kinds in its own `exports.py` (found by ExportsConfig.ready):

    class ChangeLogExport(ExportKind):
        key = "audit_changes"
        title = gettext_lazy("Change log")
        def allowed(self, user): ...
        def clean(self, user, params): ...          # ValidationError for a bad filter
        def estimate(self, user, params): ...       # rows, cheaply, or None
        def sheets(self, user, params):             # (title, headers, rows) with rows streamed
            yield _("Changes"), [_("When"), ...], iterator_of_lists
    register(ChangeLogExport())
"""


class ExportKind:
    key: str = ""
    title = ""

    def allowed(self, user) -> bool:
        raise NotImplementedError

    def clean(self, user, params: dict) -> dict:
        return params

    def estimate(self, user, params) -> int | None:
        return None

    def describe(self, params) -> str:
        """The job's title in the user's list: the kind and its filter in words."""
        return str(self.title)

    def sheets(self, user, params):
        raise NotImplementedError

    def setup_sheet(self, writer, sheet, title: str, params):
        """Column widths and formats of a sheet before its rows are written (hrflow.core.xlsx.Writer)."""

    def finish(self, writer, params):
        """Sheets of notes after the data, e.g. a template's help sheet."""


KINDS: dict[str, ExportKind] = {}


def register(kind: ExportKind) -> ExportKind:
    KINDS[kind.key] = kind
    return kind


def get(key: str) -> ExportKind | None:
    return KINDS.get(key)
