"""An in-memory Odoo 17/18/19 stand-in speaking Odoo's XML-RPC, JSON-RPC and JSON-2 protocols."""
