"""An in-memory ORM with Odoo's declaration API and observable semantics.

Business models import ``Model``, ``fields``, ``api`` and ``Command`` from here, like
``from odoo import api, fields, models`` in Odoo.
"""

from . import api, fields
from .declarations import declared_models
from .fields import Command
from .models import AbstractModel, Model, TransientModel

__all__ = [
    "AbstractModel",
    "Command",
    "Model",
    "TransientModel",
    "api",
    "declared_models",
    "fields",
]
