"""Odoo's ``product`` and ``uom`` modules: units, categories, product templates and variants."""

from __future__ import annotations

from typing import Any

from tollgate_odoo_sim.orm import Model, api, fields
from tollgate_odoo_sim.versions import OdooVersion

from .base import copy_named


class UomUom(Model):
    _name = "uom.uom"
    _description = "Product Unit of Measure"
    _order = "sequence, id"

    name = fields.Char(string="Unit Name", required=True, translate=True)
    sequence = fields.Integer(default=10)
    rounding = fields.Float(string="Rounding Precision", digits=(12, 6), default=0.01)
    factor = fields.Float(string="Ratio", digits=(12, 6), default=1.0)
    active = fields.Boolean(default=True)


class ProductCategory(Model):
    _name = "product.category"
    _description = "Product Category"
    _order = "complete_name"
    _rec_name = "complete_name"
    _parent_name = "parent_id"

    name = fields.Char(string="Name", required=True, index=True)
    complete_name = fields.Char(compute="_compute_complete_name", store=True)
    parent_id = fields.Many2one("product.category", string="Parent Category", index=True)
    child_id = fields.One2many("product.category", "parent_id", string="Child Categories")

    @api.depends("name", "parent_id.complete_name")
    def _compute_complete_name(self) -> None:
        for category in self:
            if category.parent_id:
                category.complete_name = f"{category.parent_id.complete_name} / {category.name}"
            else:
                category.complete_name = category.name


class ProductPricelist(Model):
    _name = "product.pricelist"
    _description = "Pricelist"
    _order = "sequence, id, name"

    name = fields.Char(string="Pricelist Name", required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=16)
    currency_id = fields.Many2one("res.currency", string="Currency", required=True)
    company_id = fields.Many2one("res.company", string="Company")

    @api.depends("name", "currency_id")
    def _compute_display_name(self) -> None:
        for pricelist in self:
            pricelist.display_name = f"{pricelist.name} ({pricelist.currency_id.name})"


class ProductTemplate(Model):
    _name = "product.template"
    _description = "Product"
    _order = "is_favorite desc, name"

    name = fields.Char(string="Name", required=True, index=True, translate=True)
    sequence = fields.Integer(default=1)
    description = fields.Html(string="Description", translate=True)
    description_sale = fields.Text(string="Sales Description", translate=True)
    categ_id = fields.Many2one("product.category", string="Product Category")
    currency_id = fields.Many2one("res.currency", string="Currency")
    list_price = fields.Float(string="Sales Price", digits=(16, 2), default=1.0)
    standard_price = fields.Float(string="Cost", digits=(16, 2))
    sale_ok = fields.Boolean(string="Can be Sold", default=True)
    purchase_ok = fields.Boolean(string="Can be Purchased", default=True)
    uom_id = fields.Many2one("uom.uom", string="Unit of Measure", required=True)
    company_id = fields.Many2one("res.company", string="Company", index=True)
    active = fields.Boolean(default=True)
    is_favorite = fields.Boolean(string="Favorite")
    color = fields.Integer(string="Color Index")
    default_code = fields.Char(string="Internal Reference")
    barcode = fields.Char()
    weight = fields.Float(digits=(16, 2))
    volume = fields.Float(digits=(16, 4))
    taxes_id = fields.Many2many("account.tax", string="Sales Taxes")
    product_variant_ids = fields.One2many("product.product", "product_tmpl_id", string="Products")
    product_variant_id = fields.Many2one(
        "product.product", string="Product", compute="_compute_product_variant_id"
    )
    product_variant_count = fields.Integer(
        string="# Product Variants", compute="_compute_product_variant_id"
    )

    def copy_data(self, default: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return copy_named(self, super().copy_data(default), default)

    @api.depends("product_variant_ids")
    def _compute_product_variant_id(self) -> None:
        for template in self:
            variants = template.product_variant_ids
            template.product_variant_id = variants[:1]
            template.product_variant_count = len(variants)


class ProductTemplateType17(Model):
    """The product type as Odoo 17 defines it (stock would add "Storable Product")."""

    _inherit = "product.template"

    type = fields.Selection(
        [("consu", "Consumable"), ("service", "Service")],
        string="Product Type",
        default="consu",
        required=True,
    )
    detailed_type = fields.Selection(
        [("consu", "Consumable"), ("service", "Service")],
        string="Product Type",
        default="consu",
        required=True,
    )


class ProductTemplateGoods(Model):
    """Odoo 18 renamed "Consumable" to "Goods", added combos and dropped ``detailed_type``."""

    _inherit = "product.template"

    type = fields.Selection(
        [("consu", "Goods"), ("service", "Service"), ("combo", "Combo")],
        string="Product Type",
        default="consu",
        required=True,
    )


class ProductProduct(Model):
    _name = "product.product"
    _description = "Product Variant"
    _order = "is_favorite desc, default_code, name, id"

    product_tmpl_id = fields.Many2one(
        "product.template", string="Product Template", required=True, ondelete="cascade", index=True
    )
    name = fields.Char(related="product_tmpl_id.name", readonly=False)
    default_code = fields.Char(string="Internal Reference", index=True)
    barcode = fields.Char(copy=False)
    active = fields.Boolean(default=True)
    is_favorite = fields.Boolean(related="product_tmpl_id.is_favorite")
    categ_id = fields.Many2one("product.category", related="product_tmpl_id.categ_id")
    uom_id = fields.Many2one("uom.uom", related="product_tmpl_id.uom_id")
    list_price = fields.Float(related="product_tmpl_id.list_price")
    lst_price = fields.Float(string="Sales Price", compute="_compute_lst_price")
    standard_price = fields.Float(related="product_tmpl_id.standard_price")
    sale_ok = fields.Boolean(related="product_tmpl_id.sale_ok")
    company_id = fields.Many2one("res.company", related="product_tmpl_id.company_id")
    taxes_id = fields.Many2many("account.tax", related="product_tmpl_id.taxes_id")
    description_sale = fields.Text(related="product_tmpl_id.description_sale")

    @api.depends("product_tmpl_id.list_price")
    def _compute_lst_price(self) -> None:
        for product in self:
            product.lst_price = product.product_tmpl_id.list_price

    @api.depends("name", "default_code")
    def _compute_display_name(self) -> None:
        for product in self:
            name = product.name or ""
            product.display_name = (
                f"[{product.default_code}] {name}" if product.default_code else name
            )


def models(version: OdooVersion) -> list[type[Model]]:
    product_type = ProductTemplateType17 if version.major <= 17 else ProductTemplateGoods
    return [
        UomUom,
        ProductCategory,
        ProductPricelist,
        ProductTemplate,
        product_type,
        ProductProduct,
    ]
