import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlflow_upgrade.codemod import codemod_check, codemod_diff, codemod_fix
from mlflow_upgrade.codemod.engine import discover
from mlflow_upgrade.codemod.registry import load_rules, select_rules


def test_registry_codes_and_families():
    rules = load_rules()
    assert len(rules) >= 20
    assert all(code.startswith("MLU") and len(code) == 6 for code in rules)
    assert {info.fixable for info in rules.values()} <= {"always", "sometimes", "never"}
    assert not any(i.family == 1 for i in select_rules(2))
    assert select_rules(1) == select_rules() == list(rules.values())
    assert next(i.code for i in select_rules(select=["MLU2"], ignore=["MLU201"])) == "MLU202"


def test_prefilter_skips_files_without_mlflow(tmp_path):
    (tmp_path / "a.py").write_text("def broken(:\n")  # would be a syntax error if parsed
    (tmp_path / "b.py").write_text("import mlflow\nmlflow.sklearn.log_model(m, 'x')\n")
    result = codemod_check([str(tmp_path)])
    assert result.files_scanned == 2 and result.files_parsed == 1 and not result.errors


def test_relative_paths_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.makedirs("pkg/.venv")
    (tmp_path / "pkg" / "m.py").write_text("import mlflow\nmlflow.sklearn.log_model(m, 'x')\n")
    (tmp_path / "pkg" / ".venv" / "skip.py").write_text("import mlflow\nmlflow.sklearn.log_model(m, 'x')\n")
    assert [p for p, _ in discover(["pkg"])] == [os.path.join("pkg", "m.py")]
    assert codemod_check(["pkg"]).findings[0].path == os.path.join("pkg", "m.py")


def test_fix_then_second_fix_is_noop(tmp_path):
    f = tmp_path / "t.py"
    f.write_text("import mlflow\nwith mlflow.start_run() as r:\n    mlflow.sklearn.log_model(m, 'x')\n"
                 "    print(r.info.run_uuid)\n")
    diff = codemod_diff([str(tmp_path)])
    assert diff.exit_code == 1 and "+    mlflow.sklearn.log_model(m, name='x')" in diff.diffs[str(f)]
    first = codemod_fix([str(tmp_path)])
    assert first.files_changed == [str(f)] and all(x.fixed for x in first.findings) and first.exit_code == 0
    assert codemod_fix([str(tmp_path)]).files_changed == []
    assert codemod_diff([str(tmp_path)]).exit_code == 0


def test_syntax_error_reported_where_it_is(tmp_path):
    (tmp_path / "bad.py").write_text("import mlflow\nmlflow.sklearn.log_model(m, 'x')\ndef f(:\n    pass\n")
    result = codemod_check([str(tmp_path)])
    assert [e.message for e in result.errors] == ["syntax error at line 3, column 7; skipped"]
    assert result.exit_code == 1


def test_every_rule_runs_by_default_and_from_2_narrows(tmp_path):
    """Code written for 1.x fails on 3.x whatever `--from` says: the default run reports it."""
    (tmp_path / "t.py").write_text("import mlflow\nmlflow.list_experiments()\nmlflow.pyfunc.load_pyfunc(u)\n"
                                   "mlflow.tracking.MlflowClient().list_run_infos('1')\n")
    assert [f.code for f in codemod_check([str(tmp_path)]).findings] == ["MLU101", "MLU104", "MLU102"]
    # narrowed: the MLU1xx rules (with their replacements) do not run; the catch-all still sees the missing name
    assert [f.code for f in codemod_check([str(tmp_path)], from_major=2).findings] == ["MLU215"]


def _nested(kind: str, depth: int) -> str:
    return {"parens": "(" * depth + "1" + ")" * depth, "sum": "+".join(["1"] * depth),
            "calls": "a" + ".b()" * depth}[kind]


@pytest.mark.parametrize("kind,depth", [("parens", 1500), ("sum", 20000), ("calls", 120)])
def test_deep_nesting_is_a_file_error_not_a_crash(tmp_path, kind, depth):
    """libcst's native parser dies with signal 11 on these (parens) or runs for minutes (sum): each is reported
    for its file and skipped, and the other files are still handled. A chain of 100 calls (real code's upper
    end, 200 levels) is deep but still parsed."""
    (tmp_path / "deep.py").write_text(f"import mlflow\nmlflow.list_experiments()\nx = {_nested(kind, depth)}\n")
    (tmp_path / "ok.py").write_text(f"import mlflow\nmlflow.list_experiments()\nx = {_nested('calls', 95)}\n")
    script = ("import json, sys\nfrom mlflow_upgrade.codemod import codemod_check\n"
              "r = codemod_check([sys.argv[1]])\nprint(json.dumps([[e.path, e.message] for e in r.errors]))\n"
              "print(json.dumps([f.path for f in r.findings]))\n")
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-500:]  # -11 before
    errors, findings = (json.loads(line) for line in proc.stdout.splitlines())
    assert [e[0] for e in errors] == [str(tmp_path / "deep.py")] and "nested" in errors[0][1]
    assert findings == [str(tmp_path / "ok.py")]


def test_fifo_is_skipped_not_waited_on(tmp_path):
    (tmp_path / "a_fifo.py").parent.mkdir(exist_ok=True)
    os.mkfifo(tmp_path / "a_fifo.py")
    (tmp_path / "b.py").write_text("import mlflow\nmlflow.list_experiments()\n")
    for given in ([str(tmp_path)], [str(tmp_path / "a_fifo.py"), str(tmp_path / "b.py")]):
        result = codemod_check(given)  # hung forever before (open() of a FIFO waits for a writer)
        assert [(e.path, e.message) for e in result.errors] == [
            (str(tmp_path / "a_fifo.py"), "not a regular file (FIFO, socket or device); skipped")]
        assert [f.path for f in result.findings] == [str(tmp_path / "b.py")]


@contextlib.contextmanager
def _unwritable(path: Path):
    """A file this process cannot write: mode 0444, or immutable (`chattr +i`) for root, which ignores modes."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        yield
        return
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)]).returncode != 0:
        pytest.skip("running as root on a file system without `chattr +i`")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_unwritable_file_is_an_error_of_that_file(tmp_path):
    """`fix` with a read-only file among others: one error line for it, the others fixed, its findings not
    marked fixed (this ended the whole run as "unexpected error" before)."""
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text("import mlflow\nmlflow.list_experiments()\n")
    with _unwritable(tmp_path / "b.py"):
        result = codemod_fix([str(tmp_path)])
    assert [e.path for e in result.errors] == [str(tmp_path / "b.py")]
    assert re.fullmatch(r"cannot write: (Permission denied|Operation not permitted); not changed",
                        result.errors[0].message)
    assert result.files_changed == [str(tmp_path / "a.py"), str(tmp_path / "c.py")]
    assert {(Path(f.path).name, f.fixed) for f in result.findings} == {("a.py", True), ("b.py", False), ("c.py", True)}
    assert "list_experiments" in (tmp_path / "b.py").read_text()
    assert "search_experiments" in (tmp_path / "a.py").read_text()
    assert result.exit_code == 1


def test_check_json_lists_no_changed_files(tmp_path):
    (tmp_path / "t.py").write_text("import mlflow\nmlflow.list_experiments()\n")
    (tmp_path / "gw.yaml").write_text("routes:\n  - name: a\n    route_type: llm/v1/chat\n")
    assert codemod_check([str(tmp_path)]).to_dict()["files_changed"] == []
    assert set(codemod_diff([str(tmp_path)]).diffs) == {str(tmp_path / "t.py"), str(tmp_path / "gw.yaml")}


def test_api_reexports():
    from mlflow_upgrade import api

    assert api.codemod_check is codemod_check and api.codemod_fix is codemod_fix


def test_cheap_positions_match_libcst_position_provider():
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    from mlflow_upgrade.codemod.python import _positions

    class Collect(cst.CSTVisitor):
        def __init__(self):
            self.nodes = []

        def on_visit(self, node):
            if isinstance(node, (cst.Call, cst.Attribute, cst.Name, cst.SimpleString, cst.Import, cst.ImportFrom,
                                 cst.Arg, cst.FormattedStringText)):
                self.nodes.append(node)
            return True

    files = sorted((Path(__file__).parent / "corpus" / "mlflow-2.9.2").glob("*.py"))[:25]
    files.append(Path(__file__))
    for path in files:
        module = cst.parse_module(path.read_text())
        collector = Collect()
        module.visit(collector)
        expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        ours = _positions(module, {id(n) for n in collector.nodes})
        for node in collector.nodes:
            pos = expected[node].start
            assert ours[id(node)] == (pos.line, pos.column + 1), (path, cst.Module([]).code_for_node(node))
