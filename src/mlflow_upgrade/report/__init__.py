"""``report``: one self-contained HTML page (and the same data as JSON beside it) of the whole upgrade.

Sections: the store (inspect, experiments with their tags), the plan with its risk classes, preflight, compat
verdicts, model inventory, codemod findings for given code paths, diffcheck results and the runbook. Results of
``compat``, ``models`` and ``diffcheck`` are optional inputs (objects with ``to_dict()`` or their JSON); a
missing one is a "not run" section. The page (``report.html_page``) needs no network: inline CSS and JS under
a Content-Security-Policy of ``default-src 'none'`` with hashes, and every text from the store escaped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy

from mlflow_upgrade import __version__, safe_files
from mlflow_upgrade.codemod import codemod_check
from mlflow_upgrade.inspect import inspect
from mlflow_upgrade.report.html import html_page
from mlflow_upgrade.runbook import as_dict, runbook
from mlflow_upgrade.store.uri import MIGRATE_FILESTORE_HINT, connected, parse_store_uri, require_database
from mlflow_upgrade.upgrade.plan import plan

__all__ = ["ReportFiles", "collect", "report"]

MAX_EXPERIMENTS = 500  # experiments listed in the report (with their tags)


@dataclass
class ReportFiles:
    html: Path
    json: Path
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"html": str(self.html), "json": str(self.json), "sections": sorted(self.data["sections"])}


def report(
    uri: str,
    out: str | Path = "report.html",
    *,
    auth_uri: str | None = None,
    servers: tuple[str, ...] | list[str] = (),
    code_paths: tuple[str, ...] | list[str] = (),
    compat: Any = None,
    models: Any = None,
    diffcheck: Any = None,
) -> ReportFiles:
    """Write ``out`` (HTML) and ``out`` with ``.json`` (the same data) for the store at ``uri``."""
    data = collect(uri, auth_uri=auth_uri, servers=servers, code_paths=code_paths, compat=compat, models=models,
                   diffcheck=diffcheck)
    html_path = Path(out)
    json_path = html_path.with_suffix(".json")
    safe_files.write_atomic(html_path, html_page(data), "report")
    safe_files.write_atomic(json_path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n",
                            "report data")
    return ReportFiles(html_path, json_path, data)


def collect(uri: str, *, auth_uri: str | None = None, servers: tuple[str, ...] | list[str] = (),
            code_paths: tuple[str, ...] | list[str] = (), compat: Any = None, models: Any = None,
            diffcheck: Any = None) -> dict[str, Any]:
    """The report's data: one JSON-able dict with a key per section."""
    ref = parse_store_uri(uri)
    require_database(ref, file_store_hint=MIGRATE_FILESTORE_HINT)
    snapshot = inspect(uri, auth_uri=auth_uri)
    the_plan = plan(uri, check=True, with_sql=False, auth_uri=auth_uri)
    book = runbook(uri, servers=servers, auth_uri=auth_uri, the_plan=the_plan, compat=compat, models=models,
                   diffcheck=diffcheck, clients=code_paths)
    sections: dict[str, Any] = {
        "store": {**snapshot.to_dict(), "experiments": experiments(uri)},
        "plan": the_plan.to_dict(),
        "preflight": the_plan.preflight.to_dict() if the_plan.preflight is not None else None,
        "compat": as_dict(compat),
        "models": as_dict(models),
        "codemod": codemod_check(list(code_paths)).to_dict() if code_paths else None,
        "diffcheck": as_dict(diffcheck),
        "runbook": book.to_dict(),
    }
    return {"tool": f"mlflow-upgrade {__version__}", "store": ref.masked, "sections": sections,
            "not_run": sorted(k for k, v in sections.items() if v is None)}


def experiments(uri: str) -> list[dict[str, Any]]:
    """Experiments (id, name, lifecycle stage, tags) as stored: user content, escaped by the page."""
    ref = parse_store_uri(uri)
    with connected(ref, read_only=True) as engine, engine.connect() as conn:
        meta = sqlalchemy.MetaData()
        exps = sqlalchemy.Table("experiments", meta, autoload_with=conn)
        tags = sqlalchemy.Table("experiment_tags", meta, autoload_with=conn)
        rows = conn.execute(sqlalchemy.select(exps.c.experiment_id, exps.c.name, exps.c.lifecycle_stage)
                            .order_by(exps.c.experiment_id).limit(MAX_EXPERIMENTS)).all()
        tag_rows = conn.execute(sqlalchemy.select(tags.c.experiment_id, tags.c.key, tags.c.value)
                                .order_by(tags.c.experiment_id, tags.c.key)).all()
    by_exp: dict[Any, dict[str, str]] = {}
    for exp_id, key, value in tag_rows:
        by_exp.setdefault(exp_id, {})[key] = value
    return [{"experiment_id": str(e), "name": n, "lifecycle_stage": s, "tags": by_exp.get(e, {})}
            for e, n, s in rows]
