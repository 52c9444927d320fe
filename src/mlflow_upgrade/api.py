"""The public library API: the same verbs as the command line.

    from mlflow_upgrade import api
    snap = api.inspect("sqlite:///mlflow.db")
    report = api.upgrade("postgresql://mlflow@db/mlflow", backup_dir="backups/")

Each name is imported from the module that implements it on first use, so importing this module is cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> implementing module
_EXPORTS = {
    "inspect": "mlflow_upgrade.inspect",
    "plan": "mlflow_upgrade.upgrade.plan",
    "preflight": "mlflow_upgrade.upgrade.preflight",
    "backup": "mlflow_upgrade.backup",
    "restore": "mlflow_upgrade.backup",
    "upgrade": "mlflow_upgrade.upgrade.runner",
    "verify": "mlflow_upgrade.upgrade.verify",
    "guard_sql": "mlflow_upgrade.upgrade.guard",
    "migrate_filestore": "mlflow_upgrade.filestore",
    "migrate_db": "mlflow_upgrade.migratedb",
    "codemod_check": "mlflow_upgrade.codemod",
    "codemod_fix": "mlflow_upgrade.codemod",
    "compat": "mlflow_upgrade.compat",
    "models": "mlflow_upgrade.compat.models",
    "diffcheck": "mlflow_upgrade.diffcheck",
    "runbook": "mlflow_upgrade.runbook",
    "report": "mlflow_upgrade.report",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mlflow_upgrade.api' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
