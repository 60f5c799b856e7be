"""Odoo's wire protocols: XML-RPC, JSON-RPC, the web-client endpoints and JSON-2 (Odoo 19)."""
