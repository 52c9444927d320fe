import os

from mlflow_upgrade.codemod import codemod_check, codemod_diff, codemod_fix
from mlflow_upgrade.codemod.engine import discover
from mlflow_upgrade.codemod.registry import load_rules, select_rules


def test_registry_codes_and_families():
    rules = load_rules()
    assert len(rules) >= 20
    assert all(code.startswith("MLU") and len(code) == 6 for code in rules)
    assert {info.fixable for info in rules.values()} <= {"always", "sometimes", "never"}
    assert not any(i.family == 1 for i in select_rules(2))
    assert any(i.family == 1 for i in select_rules(1))
    assert next(i.code for i in select_rules(1, select=["MLU2"], ignore=["MLU201"])) == "MLU202"


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


def test_syntax_error_reported(tmp_path):
    (tmp_path / "bad.py").write_text("import mlflow\nmlflow.sklearn.log_model(m, 'x'\ndef f(:\n")
    result = codemod_check([str(tmp_path)])
    assert result.errors and "syntax error" in result.errors[0].message and result.exit_code == 1


def test_from_1_runs_1x_rules(tmp_path):
    (tmp_path / "t.py").write_text("import mlflow\nmlflow.list_experiments()\n")
    assert codemod_check([str(tmp_path)]).findings == []
    assert [f.code for f in codemod_check([str(tmp_path)], from_major=1).findings] == ["MLU101"]


def test_api_reexports():
    from mlflow_upgrade import api

    assert api.codemod_check is codemod_check and api.codemod_fix is codemod_fix


def test_cheap_positions_match_libcst_position_provider():
    from pathlib import Path

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
