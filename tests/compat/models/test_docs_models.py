"""docs/models.md's removed-flavor table is the catalog's (generated from every MLflow wheel)."""

from __future__ import annotations

from mlflow_upgrade.catalog import installed_version, load_catalog
from tests.support.docs_blocks import check_block


def removed_flavor_table() -> str:
    catalog = load_catalog()
    removed = catalog.flavors_removed_before(installed_version())
    rows = [f"| `{name}` | {catalog.flavors[name]['first']} | {last} |" for name, last in sorted(removed.items())]
    return "\n".join(["| flavor | first shipped | last shipped |", "|---|---|---|", *rows]) + "\n"


def test_removed_flavor_table() -> None:
    table = removed_flavor_table()
    assert "`diviner`" in table and "`fastai`" in table
    check_block("docs/models.md", "REMOVED_FLAVORS", table)
