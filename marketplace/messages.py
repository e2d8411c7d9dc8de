"""Messages the API may send, in English, translated only at the edge.

Services and schemas speak English and import nothing of the web: a constant message is marked
with ``N_("…")`` (it stays the same string; the mark lets the catalogue tests find it), a message
with values in it is a ``Msg("Unknown category %(category)s.", category=…)``: a ``str`` whose text
is the English sentence, which also keeps its msgid and its values, so that the error handlers
(``marketplace.errors``) can look the msgid up in the caller's language and put the values back.

Messages of marshmallow and webargs (``"Longer than maximum length {max}."``) are third-party
English with values already filled in: ``parse`` recognises them and gives back their msgid
(``"Longer than maximum length %(max)s."``) and values.
"""

from __future__ import annotations

import re
from functools import cache


def N_(message: str) -> str:  # noqa: N802 - the usual name of gettext's no-op marker
    """Marks a constant English message for the catalogues; returns it unchanged."""
    return message


class Msg(str):
    """An English message with values: ``Msg("At most %(max)s.", max=5) == "At most 5."``."""

    msgid: str
    params: dict

    def __new__(cls, msgid: str, **params) -> Msg:
        self = super().__new__(cls, msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params
        return self

    def __reduce__(self):
        return (_rebuild, (self.msgid, self.params))


def _rebuild(msgid: str, params: dict) -> Msg:
    return Msg(msgid, **params)


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def template_msgid(template: str) -> str:
    """``"Longer than maximum length {max}."`` → ``"Longer than maximum length %(max)s."``."""
    return _PLACEHOLDER.sub(lambda m: f"%({m.group(1)})s", template.replace("%", "%%"))


def third_party_templates() -> list[str]:
    """Every message marshmallow's fields and validators may send, as templates with the
    values they are sent with still as ``{placeholders}`` (class-level words filled in:
    ``"Not a valid aware datetime."``, ``"Must be greater than or equal to {min}."``)."""
    import marshmallow.fields as mm_fields
    import marshmallow.validate as mm_validate
    from marshmallow import Schema

    templates: set[str] = set()
    for name in dir(mm_fields):
        cls = getattr(mm_fields, name)
        if not (isinstance(cls, type) and issubclass(cls, mm_fields.Field)):
            continue
        words = {
            key: getattr(cls, attribute)
            for key, attribute in (("obj_type", "OBJ_TYPE"), ("awareness", "AWARENESS"))
            if isinstance(getattr(cls, attribute, None), str)
        }
        for klass in cls.__mro__:
            for key, value in vars(klass).get("default_error_messages", {}).items():
                # "format": a value that cannot be dumped, never an answer to a request.
                if isinstance(value, str) and key != "format":
                    for word, filled in words.items():
                        value = value.replace("{" + word + "}", filled)
                    if "{awareness}" not in value and "{obj_type}" not in value:
                        templates.add(value)
    for name in dir(mm_validate):
        cls = getattr(mm_validate, name)
        if not (isinstance(cls, type) and issubclass(cls, mm_validate.Validator)):
            continue
        if cls is mm_validate.Range or issubclass(cls, mm_validate.Range):
            for low in (cls.message_gte, cls.message_gt):
                templates.add(cls.message_min.format(min_op=low))
                for high in (cls.message_lte, cls.message_lt):
                    templates.add(cls.message_all.format(min_op=low, max_op=high))
            for high in (cls.message_lte, cls.message_lt):
                templates.add(cls.message_max.format(max_op=high))
            continue
        templates.update(
            value
            for key, value in vars(cls).items()
            if (key.startswith("message_") or key in ("default_message", "error"))
            and isinstance(value, str)
        )
    templates.update(
        value for value in Schema._default_error_messages.values() if isinstance(value, str)
    )
    return sorted(templates)


@cache
def _patterns() -> list[tuple[re.Pattern, str]]:
    patterns = []
    for template in third_party_templates():
        if "{" not in template:
            continue
        regex, last = "", 0
        for match in _PLACEHOLDER.finditer(template):
            regex += re.escape(template[last : match.start()]) + f"(?P<{match.group(1)}>.+?)"
            last = match.end()
        regex += re.escape(template[last:])
        patterns.append((re.compile(f"^{regex}$", re.DOTALL), template_msgid(template)))
    # The longest templates first: "Length must be between…" before "Length must be…".
    patterns.sort(key=lambda item: -len(item[1]))
    return patterns


def parse(message: str) -> tuple[str, dict]:
    """The msgid and values of an English message (a ``Msg``, a constant, a marshmallow one)."""
    if isinstance(message, Msg):
        return message.msgid, message.params
    for pattern, msgid in _patterns():
        match = pattern.match(message)
        if match:
            return msgid, match.groupdict()
    return message, {}
