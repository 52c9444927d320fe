"""Microsoft SQL Server: known, not supported.

MLflow runs on it, so the URI parser accepts ``mssql://`` and plan and inspect describe such a store with the
SQLAlchemy-generic base; backup, upgrade and restore refuse it (``supported = False``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from mlflow_upgrade.dialects import Dialect, register


@register
class MSSQLDialect(Dialect):
    name = "mssql"
    label = "SQL Server"
    supported = False
    default_drivers = (("pyodbc", "pyodbc"), ("pymssql", "pymssql"))
    driver_install_hints: ClassVar[Mapping[str, str]] = {
        "pyodbc": "pip install 'mlflow-upgrade[mssql]' and Microsoft's ODBC driver for SQL Server",
        "pymssql": "pip install pymssql",
    }
    case_sensitive_collation = "SQL_Latin1_General_CP1_CS_AS"
