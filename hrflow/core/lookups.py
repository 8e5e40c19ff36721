"""`field__any=[...]`: one array parameter on PostgreSQL (`= ANY(%s)`), where `__in` sends one
parameter per value. A bulk job looking up 200,000 ID numbers compiled and adapted 200,000
parameters; as arrays it sends one per query. Other databases get the `IN` list."""

from django.db.models import Field, ForeignObject, Lookup


class AnyValues:
    """The values of a `field__any` lookup as one object. Django resolves the items of a list or
    tuple one by one, as possible expressions: for 50,000 ID numbers that took longer than the query."""

    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items

    def __iter__(self):
        return iter(self.items)


class AnyLookup(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


Field.register_lookup(AnyLookup)
ForeignObject.register_lookup(AnyLookup)  # foreign keys keep their own lookups: person_id__any too
