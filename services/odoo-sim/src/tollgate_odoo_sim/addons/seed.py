"""``--seed FILE``: extra records loaded from YAML after the demo data.

The file is a list of entries, loaded in order, each a mapping with:

``model`` (required)
    the technical model name, e.g. ``res.partner``.
``id`` (optional)
    an xml id for the record. Without a module prefix it is namespaced as ``seed.<id>``. An id that
    already exists (``base.res_partner_12``, or an earlier entry) updates that record instead.
``values`` (required)
    field values as Odoo's ``create`` takes them, with these conveniences:

    * ``ref:<xml id>`` anywhere a value is expected resolves to that record's database id
      (``country_id: ref:base.be``; ``ref:acme`` means ``ref:seed.acme``);
    * a many2many/one2many given as a list of ids or refs replaces the links
      (``category_id: [ref:base.res_partner_category_14]``), a list of mappings creates the
      related records (``order_line: [{product_id: ref:product.product_product_4}]``);
      Odoo command tuples (``[[6, 0, [1, 2]]]``) are passed through unchanged;
    * dates and datetimes as ``YYYY-MM-DD`` / ``YYYY-MM-DD HH:MM:SS`` strings.
``password`` / ``api_key`` (optional, ``res.users`` only)
    credentials for a seeded user.

Example::

    - model: res.partner
      id: acme
      values: {name: Acme Corp, is_company: true, country_id: ref:base.be}
    - model: res.partner
      values: {name: Wile E. Coyote, parent_id: ref:acme}

A malformed file raises :class:`SeedError` naming the file and the entry, and loads nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from tollgate_odoo_sim.exceptions import UserError
from tollgate_odoo_sim.orm import fields
from tollgate_odoo_sim.orm.registry import Registry

from .demo import set_credentials

REF_PREFIX = "ref:"
SEED_MODULE = "seed"
_ENTRY_KEYS = frozenset({"model", "id", "values", "password", "api_key"})


class SeedError(ValueError):
    """A seed file that cannot be loaded; the message names the file and the entry."""


def load(registry: Registry, path: Path) -> list[int]:
    """Load every entry of the YAML file at *path*; return the ids of the loaded records."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(f"seed file {path}: cannot be read ({exc.strerror or exc})") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SeedError(f"seed file {path}: not valid YAML ({exc})") from None
    return load_entries(registry, document, source=str(path))


def load_entries(registry: Registry, document: Any, source: str = "<seed>") -> list[int]:
    if document is None:
        return []
    if not isinstance(document, list):
        raise SeedError(
            f"seed file {source}: expected a list of entries, got {type(document).__name__}"
        )
    entries = [_check_entry(registry, source, index, entry) for index, entry in enumerate(document)]
    # all or nothing: a failing entry undoes the entries loaded before it
    with registry.transaction():
        return _load_checked(registry, source, entries)


def _load_checked(registry: Registry, source: str, entries: list[dict[str, Any]]) -> list[int]:
    loaded: list[int] = []
    for index, entry in enumerate(entries):
        where = _where(source, index, entry)
        try:
            values = _resolve_values(registry, entry["model"], entry["values"], where)
            record_id = registry.load_records(entry["model"], entry.get("xmlid"), values)
        except SeedError:
            raise
        except (UserError, ValueError, TypeError, KeyError) as exc:
            message = exc.args[0] if exc.args else type(exc).__name__
            raise SeedError(f"{where}: {message}") from None
        if entry["model"] == "res.users" and entry.get("password"):
            set_credentials(registry, record_id, entry["password"], entry.get("api_key", ""))
        loaded.append(record_id)
    return loaded


def _where(source: str, index: int, entry: Mapping[str, Any]) -> str:
    label = f"seed file {source}, entry {index + 1}"
    model, xmlid = entry.get("model"), entry.get("xmlid")
    if model:
        label += f" ({model}{', ' + xmlid if xmlid else ''})"
    return label


def _check_entry(registry: Registry, source: str, index: int, entry: Any) -> dict[str, Any]:
    where = f"seed file {source}, entry {index + 1}"
    if not isinstance(entry, Mapping):
        raise SeedError(f"{where}: expected a mapping with 'model' and 'values'")
    unknown = sorted(str(key) for key in entry if key not in _ENTRY_KEYS)
    if unknown:
        raise SeedError(f"{where}: unknown key(s) {', '.join(unknown)}")
    model = entry.get("model")
    if not isinstance(model, str) or not model:
        raise SeedError(f"{where}: 'model' must be a model name")
    if model not in registry.models or registry.models[model]._abstract:
        raise SeedError(f"{where}: unknown model {model!r}")
    values = entry.get("values")
    if not isinstance(values, Mapping):
        raise SeedError(f"{where} ({model}): 'values' must be a mapping of field values")
    xmlid = entry.get("id")
    if xmlid is not None and (not isinstance(xmlid, str) or not xmlid.strip()):
        raise SeedError(f"{where} ({model}): 'id' must be a non-empty string")
    checked = {"model": model, "values": dict(values), "xmlid": _qualify(xmlid) if xmlid else None}
    where = _where(source, index, checked)
    model_fields = registry.models[model]._fields
    for name in values:
        if name not in model_fields:
            raise SeedError(f"{where}: model {model!r} has no field {name!r}")
    for key in ("password", "api_key"):
        if key in entry:
            if model != "res.users":
                raise SeedError(f"{where}: '{key}' is only allowed on res.users entries")
            if not isinstance(entry[key], str) or not entry[key]:
                raise SeedError(f"{where}: '{key}' must be a non-empty string")
            checked[key] = entry[key]
    return checked


def _qualify(xmlid: str) -> str:
    return xmlid if "." in xmlid else f"{SEED_MODULE}.{xmlid}"


def _ref(registry: Registry, value: str, where: str) -> int:
    xmlid = _qualify(value[len(REF_PREFIX) :].strip())
    found = registry.xmlid_to_res(xmlid)
    if found is None:
        raise SeedError(f"{where}: unknown reference {value!r}")
    return found[1]


def _resolve(registry: Registry, value: Any, where: str) -> Any:
    if isinstance(value, str) and value.startswith(REF_PREFIX):
        return _ref(registry, value, where)
    if isinstance(value, list):
        return [_resolve(registry, item, where) for item in value]
    if isinstance(value, Mapping):
        return {key: _resolve(registry, item, where) for key, item in value.items()}
    return value


def _resolve_values(
    registry: Registry, model: str, values: Mapping[str, Any], where: str
) -> dict[str, Any]:
    model_fields = registry.models[model]._fields
    resolved: dict[str, Any] = {}
    for name, raw in values.items():
        field = model_fields[name]
        value = _resolve(registry, raw, where)
        if isinstance(field, fields.One2many | fields.Many2many):
            value = _x2many_commands(registry, field, value, f"{where}, field {name!r}")
        resolved[name] = value
    return resolved


def _x2many_commands(registry: Registry, field: Any, value: Any, where: str) -> Any:
    if value in (None, False):
        return [(5, 0, 0)]
    if not isinstance(value, list):
        raise SeedError(f"{where}: expected a list of ids, refs or mappings")
    if all(isinstance(item, list) and item and isinstance(item[0], int) for item in value):
        return [tuple(item) for item in value]  # Odoo commands, passed through
    if all(isinstance(item, int) and not isinstance(item, bool) for item in value):
        return [(6, 0, value)]
    if all(isinstance(item, Mapping) for item in value):
        comodel = registry.models[field.comodel_name]._fields
        commands = []
        for item in value:
            for key in item:
                if key not in comodel:
                    raise SeedError(f"{where}: model {field.comodel_name!r} has no field {key!r}")
            commands.append((0, 0, dict(item)))
        return commands
    raise SeedError(f"{where}: mix of ids and mappings is not supported")
