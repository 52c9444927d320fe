"""store/uri.py asks the dialects what a scheme names, which driver to pick and how to open it."""

from __future__ import annotations

import importlib.util

import pytest

from mlflow_upgrade import dialects, errors
from mlflow_upgrade.store.uri import open_engine, parse_store_uri, require_driver


def test_the_uri_parser_knows_every_registered_dialect_in_order() -> None:
    assert dialects.known() == ("sqlite", "postgresql", "mysql", "mssql")
    assert dialects.supported() == ("sqlite", "postgresql", "mysql")


def test_a_mariadb_uri_is_a_mysql_store_with_a_driver_chosen() -> None:
    ref = parse_store_uri("mariadb://u:pw@127.0.0.1/db")
    assert ref.kind == "mysql"
    assert ref.url is not None and ref.url.drivername == "mysql+pymysql"


def test_a_postgres_alias_is_not_a_uri_scheme() -> None:
    """Aliases are for people naming a dialect (``--dialect pg``); URIs take SQLAlchemy's scheme names only."""
    with pytest.raises(errors.UsageError, match="use sqlite://, postgresql://, mysql://, mssql:// or a file-store"):
        parse_store_uri("pg://127.0.0.1/db")


def test_mssql_is_parsed_but_not_supported_for_backup() -> None:
    ref = parse_store_uri("mssql+pymssql://sa:pw@127.0.0.1/db")
    assert ref.kind == "mssql" and ref.is_sql and ref.database_file is None
    assert not dialects.is_supported("mssql") and dialects.by_name("mssql") is None
    with pytest.raises(errors.UsageError, match="not mssql"):
        dialects.get_dialect(ref)
    assert dialects.dialect_for("mssql").case_sensitive_collation == "SQL_Latin1_General_CP1_CS_AS"


@pytest.mark.skipif(importlib.util.find_spec("MySQLdb") is not None, reason="mysqlclient is installed here")
def test_a_missing_driver_names_the_package_from_the_dialect() -> None:
    ref = parse_store_uri("mysql+mysqldb://127.0.0.1/db")  # mysqlclient is not installed
    with pytest.raises(errors.DriverMissing, match="pip install mysqlclient"):
        require_driver(ref)


def test_a_sqlite_store_needs_no_driver_and_is_probed_by_its_schema(tmp_path) -> None:
    not_a_db = tmp_path / "x.db"
    not_a_db.write_bytes(b"x" * 4096)
    ref = parse_store_uri(f"sqlite:///{not_a_db}")
    require_driver(ref)  # sqlite3 ships with Python
    assert ref.database_file == not_a_db.resolve()
    with pytest.raises(errors.NotAnMlflowStore):  # "SELECT 1" alone would not read the file
        open_engine(ref)


def test_get_dialect_takes_a_uri_by_its_scheme() -> None:
    assert dialects.get_dialect("mariadb://u@h/db").name == "mysql"
    with pytest.raises(errors.UsageError, match="not file"):
        dialects.get_dialect("file:///tmp/mlruns")


@pytest.mark.parametrize(("kind", "per_table", "per_database", "names", "unique_index"), [
    ("sqlite", False, False, False, False),
    ("postgresql", False, False, True, True),
    ("mysql", True, True, True, False),
])
def test_conflict_name_scopes_per_dialect(kind: str, per_table: bool, per_database: bool, names: bool,
                                          unique_index: bool) -> None:
    d = dialects.dialect_for(kind)
    assert (d.index_names_per_table, d.constraint_names_per_database, d.reflects_constraint_names,
            d.unique_constraint_is_index) == (per_table, per_database, names, unique_index)
