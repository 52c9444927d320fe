"""The intended data changes verify excludes have one owner (upgrade/verify/expectations.py); docs/verify.md's
table is generated from them."""

from __future__ import annotations

from mlflow_upgrade import catalog
from mlflow_upgrade.upgrade.verify import expectations
from tests.support.docs_blocks import check_block


def test_docs_table_is_generated_from_the_rules() -> None:
    check_block("docs/verify.md", "expected-changes", expectations.markdown_table())


def test_every_rule_names_a_tracking_migration_and_does_something() -> None:
    known = set(catalog.installed_revisions("tracking"))
    for rule in expectations.expected_changes():
        facts = catalog.load_catalog().revision("tracking", rule.revision)  # a newer release's: the catalog's
        assert rule.revision in known or facts is not None, rule
        creates = {o.get("table") for o in (facts.ops if facts else ()) if o.get("op") == "create_table"}
        # a rule leaves rows or columns out, or documents a table the migration creates (nothing to compare)
        assert rule.exclude_where or rule.skip_columns or rule.table in creates, rule
