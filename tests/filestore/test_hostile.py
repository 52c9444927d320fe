"""Hostile and unlucky file stores: every case is a listed problem with its path, the rest of the store
migrates, and a run or experiment whose meta.yaml is unreadable is rebuilt from its folder (issues 13, 14).

One store holds every case (a copy of the 3.17.2 fixture, damaged by :func:`make_hostile`); it is migrated
into each dialect and read back through MLflow's own ``SqlAlchemyStore``, against what MLflow's own
``FileStore`` read from the undamaged copy.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mlflow_upgrade.filestore import StrictRefused, migrate_filestore, reader
from mlflow_upgrade.filestore.problems import ProblemLog
from tests.cli_helpers import run_cli
from tests.support.fixture_stores import copy_filestore_fixture, manifest

IDS = manifest("3.17.2")["ids"]["file"]
MAIN = IDS["experiments"]["main"]
RUNS = IDS["runs"]
OUTSIDE_RUN = "0123456789abcdef0123456789abcdef"  # a run folder that is a symlink to /etc
BAD_MODEL = "m-dc67ed0b062f4c53b89f211112c65769"

# "billion laughs": nine aliases of nine aliases ... (10^9 strings once expanded)
ALIAS_BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{n}: &{n} [{','.join(['*' + p] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)]
    + ["run_name: *i", f"run_id: {RUNS['child2']}"]
) + "\n"
OUT_OF_RANGE_LINES = ["99999999999999999999999999 1 0", "1700000000000 1.0 99999999999999999999",
                      "-99999999999999999999 1.0 3", "1700000000000 1.0 -9223372036854775809"]


def make_hostile(root: Path) -> dict[str, Path]:
    """Damage a copy of the 3.17.2 store with one of each hostile case; returns the paths the report must name."""
    exp = root / MAIN
    paths = {
        "corrupt_run": exp / RUNS["train"],  # meta.yaml is not YAML
        "bomb_run": exp / RUNS["child2"],  # meta.yaml is an alias bomb
        "fifo_meta_run": exp / RUNS["running"],  # meta.yaml is a FIFO: opening it must not block
        "wrong_types_meta": exp / RUNS["failed"] / "meta.yaml",  # run_name: [a, b], user_id: {...}, times: text
        "number_name_meta": root / IDS["experiments"]["unicode"] / "meta.yaml",  # name: 123
        "dict_name_meta": root / ".trash" / IDS["experiments"]["deleted"] / "meta.yaml",  # name: {a: b}
        "params_loop": exp / RUNS["parent"] / "params" / "loop",  # -> .. (the run folder: a loop)
        "self_loop": exp / RUNS["parent"] / "tags" / "self",  # -> self
        "param_outside": exp / RUNS["parent"] / "params" / "passwd",  # -> /etc/passwd
        "run_outside": exp / OUTSIDE_RUN,  # -> /etc
        "experiment_loop": root / "42",  # -> . (the store itself)
        "out_of_range": exp / RUNS["child1"] / "metrics" / "val_loss",
        "fifo_param": exp / RUNS["child1"] / "params" / "fifo",
        "bad_model": exp / "models" / BAD_MODEL,  # creation_timestamp: [1, 2]
        "stray": exp / "stray",  # an empty folder: not a run, nothing to rebuild
        "bad_id": exp / "not a run!",  # unreadable meta.yaml and a name that cannot be a run id
        "long_id": exp / ("f" * 33),  # runs.run_uuid holds 32 characters
    }
    shutil.copytree(exp / RUNS["parent"], paths["long_id"])  # a readable run: only its name is wrong
    (paths["corrupt_run"] / "meta.yaml").write_text("run_id: [unclosed\n  : nonsense: {")
    (paths["bomb_run"] / "meta.yaml").write_text(ALIAS_BOMB)
    (paths["fifo_meta_run"] / "meta.yaml").unlink()
    os.mkfifo(paths["fifo_meta_run"] / "meta.yaml")
    _edit_yaml(paths["wrong_types_meta"], run_name=["a", "b"], user_id={"x": 1}, start_time="yesterday",
               status=42)
    _edit_yaml(paths["number_name_meta"], name=123)
    _edit_yaml(paths["dict_name_meta"], name={"a": "b"})
    paths["params_loop"].symlink_to("..")
    paths["self_loop"].symlink_to("self")
    paths["param_outside"].symlink_to("/etc/passwd")
    paths["run_outside"].symlink_to("/etc")
    paths["experiment_loop"].symlink_to(".")
    with paths["out_of_range"].open("a") as fh:
        fh.write("".join(line + "\n" for line in OUT_OF_RANGE_LINES))
    os.mkfifo(paths["fifo_param"])
    _edit_yaml(paths["bad_model"] / "meta.yaml", creation_timestamp=[1, 2])
    paths["stray"].mkdir()
    paths["bad_id"].mkdir()
    (paths["bad_id"] / "meta.yaml").write_text("{{{")
    return paths


def _edit_yaml(path: Path, **fields: Any) -> None:
    import yaml

    meta = yaml.safe_load(path.read_text())
    meta.update(fields)
    path.write_text(yaml.safe_dump(meta))


# (kind, path key) the report must list
EXPECTED = [
    ("salvaged", "corrupt_run"), ("salvaged", "bomb_run"), ("salvaged", "fifo_meta_run"),
    ("repaired_meta", "wrong_types_meta"), ("repaired_meta", "number_name_meta"),
    ("repaired_meta", "dict_name_meta"), ("symlink", "params_loop"), ("symlink", "self_loop"),
    ("symlink", "param_outside"), ("symlink", "run_outside"), ("symlink", "experiment_loop"),
    ("out_of_range", "out_of_range"), ("unreadable_file", "fifo_param"), ("corrupt_meta", "bad_model"),
    ("missing_meta", "stray"), ("corrupt_meta", "bad_id"), ("corrupt_meta", "long_id"),
]


def _oracle(root: Path) -> dict[str, Any]:
    """What MLflow's own FileStore reads from the undamaged store, for the runs the damage touches."""
    from mlflow.store.tracking.file_store import FileStore

    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    store = FileStore(str(root))
    out = {}
    for name in ("train", "child2", "running", "failed", "child1"):
        run = store.get_run(RUNS[name])
        out[name] = {
            "params": run.data.params, "tags": run.data.tags,
            "history": {k: sorted({(m.step, m.timestamp) for m in store.get_metric_history(run.info.run_id, k)})
                        for k in run.data.metrics},
        }
    return out


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_hostile_store_migrates_the_rest_and_lists_each_case(dialect: str, tmp_path: Path,
                                                              request: pytest.FixtureRequest) -> None:
    uri = request.getfixturevalue({"sqlite": "sqlite_uri", "postgresql": "pg_uri", "mysql": "mysql_uri"}[dialect])
    root = copy_filestore_fixture("3.17.2", tmp_path)
    want = _oracle(root)
    paths = make_hostile(root)
    result = run_cli("migrate-filestore", str(root), uri, "--json")
    # was: "unexpected error" (exit 8) on the loop, the numbers, the list and the bomb, staging files left
    assert result.returncode == 10, result.stderr
    assert "unexpected" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    report = json.loads(result.stdout)
    assert report["status"] == "complete"
    listed = {(p["kind"], p["path"]) for p in report["problems"]["listed"]}
    missing = [(kind, key) for kind, key in EXPECTED if (kind, str(paths[key])) not in listed]
    assert not missing, (missing, sorted(listed))
    assert report["problems"]["counts"]["out_of_range"] == len(OUT_OF_RANGE_LINES)
    bomb = next(p for p in report["problems"]["listed"] if p["path"] == str(paths["bomb_run"]))
    assert "aliases refused" in bomb["detail"]
    if dialect == "sqlite":
        assert sorted(p.name for p in tmp_path.iterdir() if "mlflow-upgrade" in p.name) == []  # no staging left
    assert report["units"]["runs"] == 9  # every run of the fixture, three of them rebuilt
    _read_back(uri, report, want, tmp_path)


def _read_back(uri: str, report: dict, want: dict[str, Any], tmp_path: Path) -> None:
    from mlflow.exceptions import MlflowException
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    def dest(src_id: str) -> str:
        return report["experiment_id_map"].get(src_id, src_id)

    store = SqlAlchemyStore(uri, str(tmp_path / "artifacts"))
    try:
        for name in ("train", "child2", "running"):  # rebuilt from their folders
            run = store.get_run(RUNS[name])
            assert run.info.experiment_id == dest(MAIN)
            assert run.data.params == want[name]["params"]
            assert {k: v for k, v in run.data.tags.items() if k != reader.RECOVERED_TAG} == want[name]["tags"]
            recovered = run.data.tags[reader.RECOVERED_TAG].split(",")
            assert {"status", "start_time", "end_time"} <= set(recovered)
            assert "name" not in recovered  # the mlflow.runName tag proves it
            assert run.info.run_name == want[name]["tags"]["mlflow.runName"]
            assert run.info.status == reader.SALVAGED_STATUS
            history = {k: sorted((m.step, m.timestamp) for m in store.get_metric_history(RUNS[name], k))
                       for k in run.data.metrics}
            assert history == want[name]["history"]
            stamps = [t for points in history.values() for _, t in points]
            assert (run.info.start_time, run.info.end_time) == (min(stamps), max(stamps))
        failed = store.get_run(RUNS["failed"])  # run_name: [a, b] and other wrong types: repaired
        assert failed.info.run_name == want["failed"]["tags"]["mlflow.runName"]
        assert {"name", "user_id", "start_time", "status"} <= set(failed.data.tags[reader.RECOVERED_TAG].split(","))
        child1 = store.get_run(RUNS["child1"])  # the lines out of range skipped, the others kept
        got = sorted((m.step, m.timestamp) for m in store.get_metric_history(RUNS["child1"], "val_loss"))
        assert got == want["child1"]["history"]["val_loss"] and child1.data.params == want["child1"]["params"]
        parent = store.get_run(RUNS["parent"])
        assert "passwd" not in parent.data.params and "loop" not in str(parent.data.params)  # /etc not read
        with pytest.raises(MlflowException):
            store.get_run(OUTSIDE_RUN)
        assert store.get_experiment(dest(IDS["experiments"]["unicode"])).name == "123"
        trashed = store.get_experiment(dest(IDS["experiments"]["deleted"]))
        assert trashed.name == f"experiment {IDS['experiments']['deleted']} (recovered)"
        assert trashed.tags[reader.RECOVERED_TAG] == "name" and trashed.lifecycle_stage == "deleted"
        assert store.get_logged_model(IDS["logged_model"]).model_id == IDS["logged_model"]
        with pytest.raises(MlflowException):
            store.get_logged_model(BAD_MODEL)
    finally:
        store.engine.dispose()


def test_strict_refuses_the_hostile_store(tmp_path: Path, sqlite_uri: str) -> None:
    root = copy_filestore_fixture("3.17.2", tmp_path)
    make_hostile(root)
    with pytest.raises(StrictRefused) as info:
        migrate_filestore(root, sqlite_uri, strict=True)
    counts = info.value.report.problems.counts
    assert counts["salvaged"] == 3 and counts["symlink"] == 5 and counts["out_of_range"] == 4
    assert not Path(sa.make_url(sqlite_uri).database).exists()


def test_corrupt_experiment_is_rebuilt_with_its_runs(tmp_path: Path, sqlite_uri: str) -> None:
    root = copy_filestore_fixture("3.17.2", tmp_path)
    exp = root / MAIN
    (exp / "meta.yaml").write_text("name: [\n")
    report = migrate_filestore(root, sqlite_uri)
    assert ("salvaged", str(exp)) in {(p.kind, p.path) for p in report.problems.items}
    assert "orphan_run" not in report.problems.counts
    engine = sa.create_engine(sqlite_uri)
    try:
        with engine.connect() as conn:
            name, location = conn.execute(sa.text("SELECT name, artifact_location FROM experiments "
                                                  "WHERE experiment_id = :i"), {"i": int(MAIN)}).one()
            runs = conn.execute(sa.text("SELECT COUNT(*) FROM runs WHERE experiment_id = :i"),
                                {"i": int(MAIN)}).scalar()
            tag = conn.execute(sa.text("SELECT value FROM experiment_tags WHERE experiment_id = :i AND key = :k"),
                               {"i": int(MAIN), "k": reader.RECOVERED_TAG}).scalar()
    finally:
        engine.dispose()
    assert name == f"experiment {MAIN} (recovered)" and location == exp.as_uri()
    assert runs == sum(1 for d in exp.iterdir() if len(d.name) == 32)  # every run of the experiment
    assert set(tag.split(",")) == {"name", "artifact_location", "lifecycle_stage", "creation_time",
                                   "last_update_time"}


def test_alias_bomb_refused_before_objects_are_built(tmp_path: Path) -> None:
    path = tmp_path / "meta.yaml"
    path.write_text(ALIAS_BOMB)
    with pytest.raises(reader.MetaError, match="aliases refused") as info:
        reader.load_yaml(path)
    assert info.value.kind == "corrupt_meta"
    path.write_text("name: 'a*b & c'\nrun_id: x\n")  # '&' and '*' in plain values are no alias
    assert reader.load_yaml(path)["name"] == "a*b & c"


def test_symlinked_store_root_is_followed(tmp_path: Path, sqlite_uri: str) -> None:
    """SRC itself (or its mlruns) may be a symlink: the user named it. Only links inside it are refused."""
    root = copy_filestore_fixture("2.9.2", tmp_path / "real")
    (tmp_path / "link").symlink_to(root)
    report = migrate_filestore(tmp_path / "link", sqlite_uri)
    assert "symlink" not in report.problems.counts and report.units["runs"] > 0


def test_int_columns_match_mlflow_models() -> None:
    """``reader.INT_COLUMNS`` lists every integer column our YAML-built rows fill (MLflow's models decide)."""
    from mlflow.store.model_registry.dbmodels import models as registry  # noqa: F401  (registers the tables)
    from mlflow.store.tracking.dbmodels import models

    filled_by_us = {"experiment_id"}  # set by the loader, not read from YAML
    computed = {"input_tokens", "output_tokens", "total_tokens", "cache_read_input_tokens", "db_payload_generation",
                "cache_creation_input_tokens", "cache_creation_input_tokens_above_1hr"}  # MLflow's analytics
    tables = {t for t, _ in reader.INT_COLUMNS} | {"datasets", "input_tags", "trace_tags", "logged_model_params"}
    integer = {
        (t, c.name) for t in tables for c in models.Base.metadata.tables[t].columns
        if isinstance(c.type, sa.Integer) and c.name not in filled_by_us | computed
    }
    assert integer == set(reader.INT_COLUMNS)


def test_problem_kinds_documented() -> None:
    from mlflow_upgrade.filestore.problems import KINDS

    doc = (Path(__file__).parents[2] / "docs" / "migrate-filestore.md").read_text()
    assert [k for k in KINDS if f"`{k}`" not in doc] == []
    assert ProblemLog().errors == 0
