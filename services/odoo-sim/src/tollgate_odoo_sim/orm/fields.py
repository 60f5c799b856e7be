"""Field declarations with Odoo's names and keyword arguments.

A field object declared on a model class is only a description. When a registry is built, every
model gets its own copies (``Field.merged``) so that extensions (``_inherit``) can override single
attributes, exactly like re-declaring a field in Odoo merges its arguments.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from .models import Model

#: Odoo's string formats on the wire.
DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"

_UNSET: Any = object()


class Command:
    """x2many write commands, as tuples, with Odoo's helper constructors."""

    CREATE = 0
    UPDATE = 1
    DELETE = 2
    UNLINK = 3
    LINK = 4
    CLEAR = 5
    SET = 6

    @staticmethod
    def create(values: dict[str, Any]) -> tuple[int, int, dict[str, Any]]:
        return (0, 0, values)

    @staticmethod
    def update(record_id: int, values: dict[str, Any]) -> tuple[int, int, dict[str, Any]]:
        return (1, record_id, values)

    @staticmethod
    def delete(record_id: int) -> tuple[int, int, int]:
        return (2, record_id, 0)

    @staticmethod
    def unlink(record_id: int) -> tuple[int, int, int]:
        return (3, record_id, 0)

    @staticmethod
    def link(record_id: int) -> tuple[int, int, int]:
        return (4, record_id, 0)

    @staticmethod
    def clear() -> tuple[int, int, int]:
        return (5, 0, 0)

    @staticmethod
    def set(ids: Sequence[int]) -> tuple[int, int, list[int]]:
        return (6, 0, list(ids))


class Field:
    """Base of all field types. Keyword arguments follow Odoo's ``fields.Field``."""

    type: ClassVar[str] = "field"
    #: Odoo's default aggregate in read_group for this type (``sum`` for numbers).
    default_aggregator: ClassVar[str | None] = None
    #: positional parameters of the constructor, in Odoo's order
    positional: ClassVar[tuple[str, ...]] = ("string",)

    name: str
    model_name: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(self.positional):
            raise TypeError(
                f"{type(self).__name__} takes at most {len(self.positional)} positional arguments"
            )
        declared = dict(zip(self.positional, args, strict=False))
        declared.update(kwargs)
        self.declared: dict[str, Any] = declared
        self.name = ""
        self.model_name = ""
        self._apply(declared)

    # -- declaration ---------------------------------------------------------------------------

    def _apply(self, attrs: dict[str, Any]) -> None:
        get = attrs.get
        self.related: str | None = get("related")
        self.compute: str | Callable[..., Any] | None = get("compute")
        computed = bool(self.compute or self.related)
        self.store: bool = bool(get("store", not computed))
        self.inverse: str | Callable[..., Any] | None = get("inverse")
        self.string: str | None = get("string")
        self.help: str | None = get("help")
        self.required: bool = bool(get("required", False))
        self.readonly: bool = bool(get("readonly", computed and not self.inverse))
        self.default: Any = get("default", _UNSET)
        self.index: Any = get("index", False)
        self.copy: bool = bool(get("copy", not computed or (self.store and not self.related)))
        self.groups: str | None = get("groups")
        self.since: int | None = get("since")
        self.until: int | None = get("until")
        self.translate: Any = get("translate", False)
        self.tracking: Any = get("tracking")
        self.company_dependent: bool = bool(get("company_dependent", False))
        self.aggregator: str | None = get(
            "aggregator", get("group_operator", self.default_aggregator)
        )
        self.domain: Any = get("domain", [])
        self.context: dict[str, Any] = dict(get("context") or {})
        self.check_company: bool = bool(get("check_company", False))
        self.depends: tuple[str, ...] = tuple(get("depends", ()))
        self.change_default: bool = bool(get("change_default", False))
        self.default_export_compatible: bool = bool(get("default_export_compatible", False))

    def _setup_name(self, name: str) -> None:
        self.name = name
        if self.string is None:
            label = name[:-3] if name.endswith(("_id", "_ids")) and name != "id" else name
            if name.endswith("_ids"):
                label = name[:-4]
            self.string = label.replace("_", " ").title() if name != "id" else "ID"

    def __set_name__(self, owner: object, name: str) -> None:
        self._setup_name(name)

    def merged(self, other: Field | None = None) -> Field:
        """A fresh copy of this field, overridden by what *other* declares (extensions)."""
        attrs = dict(self.declared)
        cls: type[Field] = self.__class__
        if other is not None:
            if other.__class__ is not self.__class__:
                attrs = {}
                cls = other.__class__
            attrs.update(other.declared)
            if "selection_add" in other.declared and isinstance(self, Selection):
                attrs["selection"] = self._merge_selection(other.declared["selection_add"])
                attrs.pop("selection_add", None)
        clone = cls.__new__(cls)
        clone.declared = attrs
        clone._apply(attrs)
        clone.name = self.name or (other.name if other else "")
        clone.model_name = self.model_name
        clone._setup_name(clone.name)
        if "string" in attrs:
            clone.string = attrs["string"]
        return clone

    def exists_in(self, major: int) -> bool:
        if self.since is not None and major < self.since:
            return False
        return not (self.until is not None and major > self.until)

    # -- descriptor ----------------------------------------------------------------------------

    def __get__(self, record: Model | None, owner: object = None) -> Any:
        if record is None:
            return self
        return record._get_field(self)

    def __set__(self, record: Model, value: Any) -> None:
        record._set_field(self, value)

    # -- values ----------------------------------------------------------------------------------

    @property
    def is_relational(self) -> bool:
        return False

    @property
    def searchable(self) -> bool:
        # a computed field with ``search=`` is searched through that method (see search_domain)
        return self.store or bool(self.related) or bool(self.declared.get("search"))

    def empty(self) -> Any:
        """The stored value of an unset field."""
        return False

    def convert_to_write(self, value: Any, model: Model) -> Any:
        """Validate *value* given by a caller and return the value to store (raises ValueError)."""
        return value

    def convert_to_read(self, value: Any, model: Model) -> Any:
        """The value ``read`` returns for a stored value."""
        return value

    def convert_to_record(self, value: Any, model: Model) -> Any:
        """The value ``record.field`` gives business code."""
        return value

    def convert_to_display_name(self, value: Any, model: Model) -> Any:
        return False if value is False or value is None else str(value)

    def description(self, model: Model) -> dict[str, Any]:
        """Odoo's ``fields_get`` attributes for this field."""
        desc: dict[str, Any] = {
            "type": self.type,
            "string": self.string,
            "required": self.required,
            "readonly": self.readonly,
            "store": self.store,
            "searchable": self.searchable,
            "sortable": self.store,
            "manual": False,
            "depends": list(self.depends_list()),
            "company_dependent": self.company_dependent,
            "change_default": self.change_default,
            "default_export_compatible": self.default_export_compatible,
            "name": self.name,
            "exportable": True,
            "groupable": self.store and self.type not in ("text", "html", "binary", "one2many"),
        }
        if self.help:
            desc["help"] = self.help
        if self.translate:
            desc["translate"] = bool(self.translate)
        if self.related:
            desc["related"] = self.related
        if self.groups:
            desc["groups"] = self.groups
        if self.aggregator and self.store:
            desc["aggregator" if model.env.version.major >= 18 else "group_operator"] = (
                self.aggregator
            )
        return desc

    def depends_list(self) -> tuple[str, ...]:
        if self.related:
            return (self.related,)
        return self.depends

    def __repr__(self) -> str:
        return f"{self.model_name}.{self.name}"


class Boolean(Field):
    type = "boolean"

    def convert_to_write(self, value: Any, model: Model) -> Any:
        return bool(value)


class Integer(Field):
    type = "integer"
    default_aggregator: ClassVar[str | None] = "sum"

    def empty(self) -> Any:
        return 0

    def convert_to_write(self, value: Any, model: Model) -> Any:
        # Odoo's int(value or 0): "12" is accepted, "12.5" and "abc" are not
        return int(value or 0)

    def convert_to_read(self, value: Any, model: Model) -> Any:
        return value or 0


def round_half_up(value: float, precision_digits: int) -> float:
    """Odoo's ``float_round`` (HALF-UP, with a one-ulp nudge so 2.675 rounds to 2.68)."""
    factor = float(10**precision_digits)
    normalized = value * factor
    if normalized:
        normalized += math.copysign(2 ** (math.log2(abs(normalized)) - 52), normalized)
    return math.copysign(math.floor(abs(normalized) + 0.5), normalized) / factor


class Float(Field):
    type = "float"
    default_aggregator = "sum"
    positional = ("string", "digits")

    def _apply(self, attrs: dict[str, Any]) -> None:
        super()._apply(attrs)
        self.digits: Any = attrs.get("digits")

    def empty(self) -> Any:
        return 0.0

    def convert_to_write(self, value: Any, model: Model) -> Any:
        if value is None or value is False:
            return 0.0
        value = float(value)
        if isinstance(self.digits, tuple | list) and len(self.digits) == 2:
            return round_half_up(value, int(self.digits[1]))
        return value

    def convert_to_read(self, value: Any, model: Model) -> Any:
        return float(value or 0.0)

    def description(self, model: Model) -> dict[str, Any]:
        desc = super().description(model)
        if isinstance(self.digits, tuple | list):
            desc["digits"] = list(self.digits)
        return desc


class Monetary(Float):
    type = "monetary"
    positional = ("string", "currency_field")

    def _apply(self, attrs: dict[str, Any]) -> None:
        super()._apply(attrs)
        self.currency_field: str = attrs.get("currency_field") or "currency_id"

    def description(self, model: Model) -> dict[str, Any]:
        desc = super().description(model)
        desc["currency_field"] = self.currency_field
        return desc


class _String(Field):
    def convert_to_write(self, value: Any, model: Model) -> Any:
        if value is None or value is False:
            return False
        return str(value)


class Char(_String):
    type = "char"

    def _apply(self, attrs: dict[str, Any]) -> None:
        super()._apply(attrs)
        self.size: int | None = attrs.get("size")
        self.trim: bool = bool(attrs.get("trim", True))

    def description(self, model: Model) -> dict[str, Any]:
        desc = super().description(model)
        desc["trim"] = self.trim
        if self.size:
            desc["size"] = self.size
        return desc


class Text(_String):
    type = "text"


class Html(_String):
    type = "html"

    def description(self, model: Model) -> dict[str, Any]:
        desc = super().description(model)
        desc["sanitize"] = bool(self.declared.get("sanitize", True))
        return desc


class Binary(Field):
    type = "binary"

    def _apply(self, attrs: dict[str, Any]) -> None:
        super()._apply(attrs)
        self.attachment: bool = bool(attrs.get("attachment", True))

    def convert_to_write(self, value: Any, model: Model) -> Any:
        if value is None or value is False:
            return False
        if isinstance(value, bytes):
            return value.decode("ascii")
        return str(value)


class Image(Binary):
    pass


class Date(Field):
    type = "date"

    @staticmethod
    def to_date(value: Any) -> dt.date | bool:
        if value is None or value is False or value == "":
            return False
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value)
        return dt.datetime.strptime(text[:10], DATE_FORMAT).date()

    @staticmethod
    def to_string(value: Any) -> Any:
        return value.strftime(DATE_FORMAT) if isinstance(value, dt.date) else False

    @staticmethod
    def today(*args: Any) -> dt.date:
        return dt.date.today()

    @staticmethod
    def context_today(record: Any, timestamp: Any = None) -> dt.date:
        return dt.date.today()

    def convert_to_write(self, value: Any, model: Model) -> Any:
        return self.to_date(value)

    def convert_to_read(self, value: Any, model: Model) -> Any:
        return self.to_string(value)


class Datetime(Field):
    type = "datetime"

    @staticmethod
    def to_datetime(value: Any) -> dt.datetime | bool:
        if value is None or value is False or value == "":
            return False
        if isinstance(value, dt.datetime):
            return (
                value.replace(tzinfo=None, microsecond=0)
                if value.tzinfo is None
                else (value.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0))
            )
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day)
        text = str(value)
        # Odoo parses with as much of its format as the text is long: "2024-01-31",
        # "2024-01-31 10:30" and "2024-01-31 10:30:00" pass; "T" or microseconds do not
        return dt.datetime.strptime(text, DATETIME_FORMAT[: len(text) - 2])

    @staticmethod
    def to_string(value: Any) -> Any:
        return value.strftime(DATETIME_FORMAT) if isinstance(value, dt.datetime) else False

    @staticmethod
    def now(*args: Any) -> dt.datetime:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)

    def convert_to_write(self, value: Any, model: Model) -> Any:
        return self.to_datetime(value)

    def convert_to_read(self, value: Any, model: Model) -> Any:
        return self.to_string(value)


class Selection(Field):
    type = "selection"
    positional = ("selection", "string")

    def _apply(self, attrs: dict[str, Any]) -> None:
        super()._apply(attrs)
        self.selection: Any = attrs.get("selection", [])

    def _merge_selection(self, added: Sequence[Any]) -> list[tuple[str, str]]:
        base = list(self.selection) if isinstance(self.selection, list | tuple) else []
        known = {key for key, _label in base}
        for item in added:
            if item[0] not in known and len(item) > 1:
                base.append((item[0], item[1]))
        return base

    def get_values(self, model: Model) -> list[tuple[Any, str]]:
        selection = self.selection
        if isinstance(selection, str):
            selection = getattr(model, selection)()
        elif callable(selection):
            selection = selection(model)
        return [(key, label) for key, label in selection]

    def convert_to_write(self, value: Any, model: Model) -> Any:
        if value is None or value is False:
            return False
        if value not in {key for key, _label in self.get_values(model)}:
            raise ValueError(f"Wrong value for {self.model_name}.{self.name}: {value!r}")
        return value

    def convert_to_display_name(self, value: Any, model: Model) -> Any:
        return dict(self.get_values(model)).get(value, False)

    def description(self, model: Model) -> dict[str, Any]:
        desc = super().description(model)
        desc["selection"] = [list(item) for item in self.get_values(model)]
        return desc


class _Relational(Field):
    positional: ClassVar[tuple[str, ...]] = ("comodel_name", "string")

    def _apply(self, attrs: dict[str, Any]) -> None:
        super()._apply(attrs)
        self.comodel_name: str = attrs.get("comodel_name", "")

    @property
    def is_relational(self) -> bool:
        return True

    def description(self, model: Model) -> dict[str, Any]:
        desc = super().description(model)
        desc["relation"] = self.comodel_name
        desc["domain"] = self.domain if not callable(self.domain) else []
        desc["context"] = self.context
        return desc


class Many2one(_Relational):
    type = "many2one"

    def _apply(self, attrs: dict[str, Any]) -> None:
        super()._apply(attrs)
        self.ondelete: str = attrs.get("ondelete") or ("restrict" if self.required else "set null")
        self.auto_join: bool = bool(attrs.get("auto_join", False))

    def convert_to_write(self, value: Any, model: Model) -> Any:
        if value is None or value is False:
            return False
        if hasattr(value, "_ids"):
            value = value.id
        elif isinstance(value, list | tuple):
            value = value[0] if value else False
        if value is False:
            return False
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"Wrong value for {self.model_name}.{self.name}: {value!r}")
        return value

    def convert_to_read(self, value: Any, model: Model) -> Any:
        if not value:
            return False
        target = model.env[self.comodel_name].sudo().browse(value)
        return [value, target.display_name]

    def convert_to_record(self, value: Any, model: Model) -> Any:
        return model.env[self.comodel_name].browse(value or ())

    def convert_to_display_name(self, value: Any, model: Model) -> Any:
        if not value:
            return False
        return model.env[self.comodel_name].sudo().browse(value).display_name


class _X2many(_Relational):
    def empty(self) -> Any:
        return ()

    def convert_to_read(self, value: Any, model: Model) -> Any:
        return list(value or ())

    def convert_to_record(self, value: Any, model: Model) -> Any:
        return model.env[self.comodel_name].browse(value or ())

    def convert_to_display_name(self, value: Any, model: Model) -> Any:
        names = model.env[self.comodel_name].sudo().browse(value or ()).mapped("display_name")
        return ", ".join(str(name) for name in names)


class One2many(_X2many):
    type = "one2many"
    positional = ("comodel_name", "inverse_name", "string")

    def _apply(self, attrs: dict[str, Any]) -> None:
        super()._apply(attrs)
        self.inverse_name: str = attrs.get("inverse_name", "")
        self.copy = bool(attrs.get("copy", False))
        # an x2many is "stored" in Odoo's sense when its inverse is stored: searchable and readable
        self.store = not (self.compute or self.related)

    def description(self, model: Model) -> dict[str, Any]:
        desc = super().description(model)
        desc["relation_field"] = self.inverse_name
        desc["sortable"] = False
        return desc


class Many2many(_X2many):
    type = "many2many"
    positional = ("comodel_name", "relation", "column1", "column2", "string")

    def _apply(self, attrs: dict[str, Any]) -> None:
        super()._apply(attrs)
        self.relation: str | None = attrs.get("relation")
        self.column1: str | None = attrs.get("column1")
        self.column2: str | None = attrs.get("column2")

    def description(self, model: Model) -> dict[str, Any]:
        desc = super().description(model)
        desc["sortable"] = False
        return desc


X2MANY = (One2many, Many2many)


class Id(Integer):
    type = "integer"
    default_aggregator: ClassVar[str | None] = None

    def description(self, model: Model) -> dict[str, Any]:
        desc = super().description(model)
        desc["readonly"] = True
        return desc


__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "Binary",
    "Boolean",
    "Char",
    "Command",
    "Date",
    "Datetime",
    "Field",
    "Float",
    "Html",
    "Id",
    "Image",
    "Integer",
    "Many2many",
    "Many2one",
    "Monetary",
    "One2many",
    "Selection",
    "Text",
]
