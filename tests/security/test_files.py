"""Files (docs/security.md, F-cases): manifests confined to their folder, nothing written through a planted link,
--force removes only the tool's own backup, read-only verbs write nothing, unwritable targets are one line."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from mlflow_upgrade import errors, safe_files
from mlflow_upgrade.errors import ExitCode
from tests.cli_helpers import CliResult, run_cli
from tests.support.fixture_stores import copy_filestore_fixture, copy_sqlite_fixture, load_fixture_into

VICTIM_TEXT = "another application's data\n"


def _one_line(result: CliResult) -> str:
    """The one error line (progress bars and warnings may precede it)."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("mlflow-upgrade: error:")]
    assert len(lines) == 1 and "unexpected error" not in lines[0], result.output
    return lines[0]


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in root.rglob("*")}


def _store(dialect: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if dialect == "sqlite":
        return copy_sqlite_fixture("3.0.1", tmp_path / "db")
    uri = request.getfixturevalue({"postgresql": "pg_uri", "mysql": "mysql_uri"}[dialect])
    load_fixture_into("3.0.1", uri)
    return uri


# -- F1: restore reads nothing outside the backup's folder ---------------------------------------------------
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
@pytest.mark.parametrize("escape", ["../outside.dump", "ABSOLUTE", "link-out.dump"])
def test_restore_refuses_manifest_paths_outside_its_folder(dialect: str, escape: str, tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    backup.mkdir()
    outside = tmp_path / "outside.dump"
    outside.write_text(VICTIM_TEXT)
    if escape == "ABSOLUTE":
        escape = str(outside)
    elif escape == "link-out.dump":
        (backup / escape).symlink_to(outside)
    digest = hashlib.sha256(VICTIM_TEXT.encode()).hexdigest()
    manifest = {"format": 1, "tool_version": "0", "dialect": dialect, "source_uri": "x", "database": "x",
                "method": "logical", "created": "2026-01-01T00:00:00+00:00", "schema_revision": None,
                "row_counts": {}, "files": [{"name": escape, "size": len(VICTIM_TEXT), "sha256": digest}]}
    (backup / "manifest.json").write_text(json.dumps(manifest))
    target = {"sqlite": f"sqlite:///{tmp_path / 'new.db'}", "postgresql": "postgresql://postgres@127.0.0.1/test",
              "mysql": "mysql+pymysql://root@127.0.0.1/test"}[dialect]
    result = run_cli("restore", str(backup), "--to", target)
    assert result.returncode == ExitCode.FAILED
    assert "outside its folder" in _one_line(result)
    assert not (tmp_path / "new.db").exists()


@pytest.mark.parametrize("given", ["folder", "manifest", "dangling"])
def test_restore_refuses_a_linked_manifest(given: str, tmp_path: Path) -> None:
    """A manifest.json that is a link is not read: it could make restore trust another file's list and sums."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    real = elsewhere / "manifest.json"
    real.write_text(json.dumps({"format": 1, "tool_version": "0", "dialect": "sqlite", "source_uri": "x",
                                "database": "x", "method": "sqlite-backup-api", "created": "2026-01-01T00:00:00+00:00",
                                "schema_revision": None, "row_counts": {}, "files": []}))
    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / "manifest.json").symlink_to(real if given != "dangling" else elsewhere / "gone.json")
    target = tmp_path / "new.db"
    named = backup / "manifest.json" if given == "manifest" else backup
    result = run_cli("restore", str(named), "--to", f"sqlite:///{target}")
    assert result.returncode == ExitCode.REFUSED, result.output
    assert "backup manifest" in (line := _one_line(result)) and "symbolic link" in line
    assert not target.exists()


def test_read_own_never_follows_a_link(tmp_path: Path) -> None:
    own = tmp_path / "marker.json"
    own.write_text("{}")
    assert safe_files.read_own(own, "run marker") == "{}"
    link = tmp_path / "link.json"
    link.symlink_to(own)
    with pytest.raises(errors.Refused, match=r"run marker .*link\.json is a symbolic link: remove it"):
        safe_files.read_own(link, "run marker", "remove it")
    with pytest.raises(FileNotFoundError):
        safe_files.read_own(tmp_path / "missing.json", "run marker")


# -- F2: nothing written through a link planted at a predictable path ----------------------------------------
def test_upgrade_marker_and_fingerprint_not_written_through_links(tmp_path: Path) -> None:
    """Links planted at the upgrade's own predictable names are replaced (a rename never follows a link)."""
    uri = copy_sqlite_fixture("3.0.1", tmp_path)
    db = Path(uri.removeprefix("sqlite:///"))
    victim = tmp_path / "victim.db"
    victim.write_text(VICTIM_TEXT)
    names = [".mlflow-upgrade-run.json.tmp", ".mlflow-upgrade-run.json.fingerprint.json",
             ".mlflow-upgrade-run.json.fingerprint.json.tmp"]
    for name in names:
        (db.parent / (db.name + name)).symlink_to(victim)
    result = run_cli("upgrade", uri, "--no-backup", "--i-have-a-backup", "--no-progress")
    assert result.returncode == 0, result.output
    assert victim.read_text() == VICTIM_TEXT
    assert not (db.parent / (db.name + names[1])).is_symlink()


def test_planted_marker_link_is_refused(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("3.0.1", tmp_path)
    db = Path(uri.removeprefix("sqlite:///"))
    victim = tmp_path / "victim.json"
    victim.write_text("{}")
    (db.parent / (db.name + ".mlflow-upgrade-run.json")).symlink_to(victim)
    result = run_cli("upgrade", uri, "--no-backup", "--i-have-a-backup", "--no-progress")
    assert result.returncode == ExitCode.REFUSED
    assert "symbolic link" in _one_line(result)
    assert victim.read_text() == "{}"


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_verify_save_refuses_a_link(dialect: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    uri = _store(dialect, tmp_path, request)
    victim = tmp_path / "victim.db"
    victim.write_text(VICTIM_TEXT)
    link = tmp_path / "fp.json"
    link.symlink_to(victim)
    result = run_cli("verify", uri, "--save", str(link), "--no-read-back")
    assert result.returncode == ExitCode.REFUSED
    assert "symbolic link" in _one_line(result)
    assert victim.read_text() == VICTIM_TEXT and link.is_symlink()


def test_migrate_filestore_staging_not_written_through_links(tmp_path: Path) -> None:
    root = copy_filestore_fixture("2.9.2", tmp_path)
    dest = tmp_path / "out" / "mlflow.db"
    dest.parent.mkdir()
    victim = tmp_path / "victim"
    victim.mkdir()
    (dest.parent / "mlflow.db.mlflow-upgrade-stage").symlink_to(victim)  # the staging folder's name
    (dest.parent / "mlflow.db.mlflow-upgrade-stage-0").symlink_to(victim / "file")  # the old files' names
    result = run_cli("migrate-filestore", str(root), f"sqlite:///{dest}", "--no-progress")
    assert result.returncode == ExitCode.REFUSED
    assert "symbolic link" in _one_line(result)
    assert list(victim.iterdir()) == []
    (dest.parent / "mlflow.db.mlflow-upgrade-stage").unlink()
    dest.unlink(missing_ok=True)
    again = run_cli("migrate-filestore", str(root), f"sqlite:///{dest}", "--no-progress")
    assert again.returncode == 0, again.output
    assert list(victim.iterdir()) == [] and not (dest.parent / "mlflow.db.mlflow-upgrade-stage").exists()


# -- F3: backup --force replaces only a previous backup of the tool ------------------------------------------
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_backup_force_never_removes_foreign_files(dialect: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    uri = _store(dialect, tmp_path, request)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.sqlite").write_text(VICTIM_TEXT)  # a name the old --force deleted by its suffix
    refused = run_cli("backup", uri, "--out", str(foreign), "--force")
    assert refused.returncode == ExitCode.REFUSED and "no mlflow-upgrade backup" in _one_line(refused)
    assert (foreign / "notes.sqlite").read_text() == VICTIM_TEXT

    previous = tmp_path / "previous"
    assert run_cli("backup", uri, "--out", str(previous)).returncode == 0
    (previous / "notes.sqlite").write_text(VICTIM_TEXT)
    mixed = run_cli("backup", uri, "--out", str(previous), "--force")
    assert mixed.returncode == ExitCode.REFUSED and "notes.sqlite" in _one_line(mixed)
    assert (previous / "notes.sqlite").read_text() == VICTIM_TEXT and (previous / "manifest.json").is_file()

    (previous / "notes.sqlite").unlink()
    replaced = run_cli("backup", uri, "--out", str(previous), "--force", "--json")
    assert replaced.returncode == 0, replaced.output
    assert json.loads((previous / "manifest.json").read_text())["created"] == json.loads(replaced.stdout)["created"]


# -- F4: read-only verbs write nothing; others only where documented -----------------------------------------
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_verbs_write_nothing_in_the_working_directory(dialect: str, tmp_path: Path,
                                                      request: pytest.FixtureRequest) -> None:
    uri = _store(dialect, tmp_path, request)
    cwd, home = tmp_path / "cwd", tmp_path / "home"
    cwd.mkdir()
    home.mkdir()
    env = {"HOME": str(home), "MLFLOW_UPGRADE_STATE_DIR": str(tmp_path / "state")}
    db_folder = tmp_path / "db"
    before = _tree(db_folder) if dialect == "sqlite" else {}
    for verb in (["inspect", uri], ["plan", uri, "--check"], ["verify", uri], ["guard", uri, "--role", "app"]):
        result = run_cli(*verb, cwd=str(cwd), env=env)
        assert result.returncode in (0, 1) or verb[0] == "guard", result.output
        assert list(cwd.iterdir()) == [], verb
        if dialect == "sqlite":
            assert _tree(db_folder) == before, verb
    result = run_cli("upgrade", uri, "--no-progress", cwd=str(cwd), env=env)
    assert result.returncode == 0, result.output
    assert [p.name for p in cwd.iterdir()] == ["mlflow-upgrade-backups"]  # documented: the default backup folder
    shutil.rmtree(cwd / "mlflow-upgrade-backups")
    at_head = run_cli("verify", uri, cwd=str(cwd), env=env)  # at head now: read back through MLflow's stores
    assert at_head.returncode == 0 and "read back through MLflow" in at_head.stdout, at_head.output
    assert list(cwd.iterdir()) == []
    assert not (tmp_path / "state").exists() or list((tmp_path / "state").iterdir()) == []
    if dialect == "sqlite":  # the database changed; nothing else appeared beside it
        assert set(_tree(db_folder)) == set(before)


# -- F5: unwritable targets are one line ------------------------------------------------------------------
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_unwritable_targets(dialect: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """(Tests run as root, which may write anywhere: a path under a regular file cannot be written by anyone.)"""
    uri = _store(dialect, tmp_path, request)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    save = run_cli("verify", uri, "--save", str(blocker / "fp.json"), "--no-read-back")
    assert save.returncode == ExitCode.FAILED and "cannot write fingerprint file" in _one_line(save)
    out = run_cli("backup", uri, "--out", str(blocker / "b"))
    assert out.returncode == ExitCode.FAILED, out.output
    _one_line(out)
    into_dir = run_cli("verify", uri, "--save", str(tmp_path), "--no-read-back")
    assert into_dir.returncode == ExitCode.USAGE and "is a directory" in into_dir.stderr
    if os.geteuid() != 0 and shutil.which("chmod"):  # as a normal user, a read-only folder too
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        result = run_cli("verify", uri, "--save", str(ro / "fp.json"), "--no-read-back")
        assert result.returncode == ExitCode.FAILED and "cannot write" in _one_line(result)


def test_sqlite_paths_with_url_characters(tmp_path: Path) -> None:
    """A folder named with '?', '#' or '%' (percent-encoded in the store URI, as SQLAlchemy wants): upgrade and
    verify's read-back open that very file, and create nothing else (unquoted, SQLite opened, or created, a
    file named by the path's first part)."""
    from urllib.parse import quote

    folder = tmp_path / "odd?name #1 100%"
    folder.mkdir()
    db = Path(copy_sqlite_fixture("3.0.1", folder).removeprefix("sqlite:///"))
    uri = f"sqlite:///{quote(str(db))}"
    upgraded = run_cli("upgrade", uri, "--no-backup", "--i-have-a-backup", "--no-progress", cwd=str(tmp_path))
    assert upgraded.returncode == 0, upgraded.output
    result = run_cli("verify", uri, cwd=str(tmp_path))
    assert result.returncode == 0, result.output
    assert "read back through MLflow" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]
    assert sorted(p.name for p in folder.iterdir()) == [db.name]
