"""Odoo's business modules as the simulator installs them.

``build_registry(version)`` assembles every model declaration valid for that Odoo version into a
Registry, then ``install(registry)`` loads what a fresh database with demo data holds: reference
data, security (groups, access rights, record rules), the reflected ``ir.model`` tables and the
demo records.
"""

from __future__ import annotations

from tollgate_odoo_sim.orm import Model
from tollgate_odoo_sim.orm.registry import Registry
from tollgate_odoo_sim.versions import OdooVersion

from . import account, base, crm, mail, product, project, sale, sales_team


def model_declarations(version: OdooVersion) -> list[type[Model]]:
    """Every model class of the installed modules for *version*, in dependency order."""
    return [
        *base.models(version),
        *mail.models(version),
        *product.models(version),
        *sales_team.models(version),
        *account.models(version),
        *sale.models(version),
        *crm.models(version),
        *project.models(version),
    ]


def build_registry(version: OdooVersion, database: str = "odoo") -> Registry:
    """A registry with every model of *version* and no data yet."""
    return Registry(version, model_declarations(version), db_name=database)


def install(registry: Registry) -> None:
    """Load base data, security and demo data into a freshly built registry."""
    from . import demo, reflection, security

    reflection.load(registry)
    security.load(registry)
    demo.load(registry)
