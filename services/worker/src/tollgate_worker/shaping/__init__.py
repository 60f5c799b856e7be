"""Turning Odoo's raw answers into answers a model reads easily.

`records` shapes values, `defaults` picks the fields a person looks at first, `html_text` turns
HTML into text, `links` builds web-client URLs, `budget` keeps answers within a size with an honest
marker and an opaque cursor.
"""
