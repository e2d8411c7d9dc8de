"""Schemas whose ``dump`` runs one plain function compiled from their own declared fields.

marshmallow walks every field of every object on each dump; for the hottest answers (a page of
products, a checkout) that walk cost more than the queries behind them. ``FastDumpSchema`` keeps
the declared fields as the only description of the shape (the OpenAPI document is made from
them too) and turns them, on first use, into one function that builds the dict directly.

Only what our output shapes use is compiled; anything else is refused when the schema is first
used, never dumped differently. Strings, integers and booleans are passed as they are: they
come from typed columns, and tests hold every compiled dump equal to marshmallow's own.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields
from marshmallow.decorators import POST_DUMP, PRE_DUMP

Dumper = Callable[[Any], dict]

# Values dumped as they are (marshmallow would call str(), int() or bool() on a value that
# already is one).
_AS_THEY_ARE = (fields.String, fields.Integer, fields.Boolean)
_ISO_FORMATS = (None, "iso", "iso8601")


class FastDumpSchema(Schema):
    """A schema dumped by a function compiled from its fields (see the module's docstring)."""

    def dump(self, obj: Any, *, many: bool | None = None):
        dump_one = self.__dict__.get("_dump_one") or self._compile()
        if self.many if many is None else many:
            return [dump_one(item) for item in obj]
        return dump_one(obj)

    def marshmallow_dump(self, obj: Any, *, many: bool | None = None):
        """marshmallow's own dump, field by field: what the compiled one must equal."""
        return super().dump(obj, many=many)

    def _compile(self) -> Dumper:
        # Two threads may both compile on first use: the functions are the same.
        self._dump_one = compile_dump(self)
        return self._dump_one


def compile_dump(schema: Schema) -> Dumper:
    """A function that dumps one object as ``schema`` would; TypeError for what it cannot."""
    return _Compiler().dumper(schema)


class _Compiler:
    """Writes the source of a dump function; the values it needs go into its namespace."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {}
        self.count = itertools.count()

    def name(self, value: Any = None) -> str:
        name = f"_{next(self.count)}"
        if value is not None:
            self.namespace[name] = value
        return name

    def dumper(self, schema: Schema) -> Dumper:
        if schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]:
            raise TypeError(f"{type(schema).__name__}: dump hooks are not compiled")
        entries = []
        for name, field in schema.dump_fields.items():
            key = field.data_key if field.data_key is not None else name
            entries.append(f"{key!r}: {self.value(field, name)}")
        source = "def dump(obj):\n    return {" + ", ".join(entries) + "}\n"
        filename = f"<dump of {type(schema).__name__}>"
        exec(compile(source, filename, "exec"), self.namespace)  # noqa: S102
        return self.namespace.pop("dump")

    def value(self, field: fields.Field, name: str) -> str:
        """The expression of one field's dumped value, read from the object ``obj``."""
        if getattr(field, "dump_with_marshmallow", False):
            # A field that reads more than its attribute says so; marshmallow's path for it.
            return f"{self.name(field.serialize)}({name!r}, obj)"
        if isinstance(field, fields.Method):
            return f"{self.name(field._serialize_method)}(obj)"
        if isinstance(field, fields.Function):
            return f"{self.name(field.serialize_func)}(obj)"
        if field.dump_default is not fields.missing_:
            raise TypeError(f"{name}: dump_default is not compiled")
        attribute = field.attribute or name
        parts = attribute.split(".")
        if not all(part.isidentifier() for part in parts):
            raise TypeError(f"{name}: attribute {attribute!r} is not compiled")
        read = "obj." + ".".join(parts)
        convert = self.converter(field, name)
        if convert is None:
            return read
        # None stays None, as in marshmallow, whatever the field.
        value = self.name()
        return f"(None if ({value} := {read}) is None else {convert.format(value)})"

    def converter(self, field: fields.Field, name: str) -> str | None:
        """A format string turning ``{}`` (a value, never None) into its dumped form; None
        when the value is dumped as it is."""
        if isinstance(field, fields.UUID) or (
            isinstance(field, fields.Integer) and field.as_string
        ):
            raise TypeError(f"{name}: {type(field).__name__} is not compiled")
        if isinstance(field, _AS_THEY_ARE) or type(field) is fields.Raw:
            return None
        if isinstance(field, fields.DateTime | fields.Date | fields.Time):
            if field.format not in _ISO_FORMATS:
                raise TypeError(f"{name}: only ISO dates and times are compiled")
            return "{}.isoformat()"
        if type(field) is fields.Nested:
            nested = field.schema
            dump_one = self.name(_dumper_of(nested))
            if nested.many or field.many:
                return f"[None if x is None else {dump_one}(x) for x in {{}}]"
            return f"{dump_one}({{}})"
        if type(field) is fields.List:
            inner = self.converter(field.inner, name)
            if inner is None:
                return "list({})"
            return f"[None if x is None else {inner.format('x')} for x in {{}}]"
        if type(field) is fields.Dict:
            for part in (field.key_field, field.value_field):
                if part is not None and self.converter(part, name) is not None:
                    raise TypeError(f"{name}: only dicts of plain values are compiled")
            return "dict({})"
        raise TypeError(f"{name}: {type(field).__name__} fields are not compiled")


def _dumper_of(schema: Schema) -> Dumper:
    if isinstance(schema, FastDumpSchema):
        return schema.__dict__.get("_dump_one") or schema._compile()
    return compile_dump(schema)
