"""The walk-through of Odoo's "External API" documentation (XML-RPC with the standard library),
as a script: ``python external_api_doc_example.py URL DB USERNAME PASSWORD``.

Each step is the call the documentation shows, in the same order, with a check that the
answer has the shape the documentation describes. It uses nothing but ``xmlrpc.client``.
"""

import sys
import xmlrpc.client


def main(url, db, username, password):
    # Logging in
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    version = common.version()
    assert {"server_version", "server_version_info", "server_serie", "protocol_version"} <= set(
        version
    ), version
    uid = common.authenticate(db, username, password, {})
    assert isinstance(uid, int), uid
    assert uid, uid

    # Calling methods
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
    found = models.execute_kw(
        db, uid, password, "res.partner", "name_search", ["foo"], {"limit": 10}
    )
    assert isinstance(found, list), found

    # List records
    ids = models.execute_kw(
        db, uid, password, "res.partner", "search", [[["is_company", "=", True]]]
    )
    assert ids, ids
    assert all(isinstance(i, int) for i in ids), ids

    # Pagination
    page = models.execute_kw(
        db,
        uid,
        password,
        "res.partner",
        "search",
        [[["is_company", "=", True]]],
        {"offset": 1, "limit": 5},
    )
    assert page == ids[1:6], (page, ids)

    # Count records
    count = models.execute_kw(
        db, uid, password, "res.partner", "search_count", [[["is_company", "=", True]]]
    )
    assert count == len(ids), (count, len(ids))

    # Read records
    ids = models.execute_kw(
        db, uid, password, "res.partner", "search", [[["is_company", "=", True]]], {"limit": 1}
    )
    [record] = models.execute_kw(db, uid, password, "res.partner", "read", [ids])
    assert record["id"] == ids[0], record
    assert len(record) > 10, record
    [record] = models.execute_kw(
        db,
        uid,
        password,
        "res.partner",
        "read",
        [ids],
        {"fields": ["name", "country_id", "comment"]},
    )
    assert set(record) == {"id", "name", "country_id", "comment"}, record

    # List record fields
    fields = models.execute_kw(
        db,
        uid,
        password,
        "res.partner",
        "fields_get",
        [],
        {"attributes": ["string", "help", "type"]},
    )
    assert fields["name"]["type"] == "char", fields["name"]
    assert "string" in fields["name"], fields["name"]

    # Search and read
    rows = models.execute_kw(
        db,
        uid,
        password,
        "res.partner",
        "search_read",
        [[["is_company", "=", True]]],
        {"fields": ["name", "country_id", "comment"], "limit": 5},
    )
    assert 0 < len(rows) <= 5, rows
    assert set(rows[0]) == {"id", "name", "country_id", "comment"}, rows

    # Create records
    new_id = models.execute_kw(
        db, uid, password, "res.partner", "create", [{"name": "New Partner"}]
    )
    assert isinstance(new_id, int), new_id

    # Update records
    assert (
        models.execute_kw(
            db, uid, password, "res.partner", "write", [[new_id], {"name": "Newer partner"}]
        )
        is True
    )
    [renamed] = models.execute_kw(
        db, uid, password, "res.partner", "read", [[new_id], ["display_name"]]
    )
    assert renamed["display_name"] == "Newer partner", renamed
    matches = models.execute_kw(
        db, uid, password, "res.partner", "name_search", ["Newer partner"], {"limit": 5}
    )
    assert [new_id, "Newer partner"] in matches, matches

    # Delete records
    assert models.execute_kw(db, uid, password, "res.partner", "unlink", [[new_id]]) is True
    gone = models.execute_kw(db, uid, password, "res.partner", "search", [[["id", "=", new_id]]])
    assert gone == [], gone
    print("external API walk-through: OK")


if __name__ == "__main__":
    main(*sys.argv[1:5])
