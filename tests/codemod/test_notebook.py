import json

import nbformat

from mlflow_upgrade.codemod import codemod_check, codemod_diff, codemod_fix


def _notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    nb.cells = cells
    nbformat.write(nb, path)
    return nb


def test_fix_preserves_outputs_ids_metadata_and_magics(tmp_path):
    path = tmp_path / "train.ipynb"
    c0 = nbformat.v4.new_code_cell("%pip install mlflow==2.9.2\nimport mlflow as mf\n!ls -la")
    c1 = nbformat.v4.new_code_cell('%%time\nwith mf.start_run() as run:\n    mf.sklearn.log_model(m, "model")\n'
                                   "    files = !ls\nprint(run.info.run_uuid)")
    c1.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello\n")]
    c1.execution_count = 3
    c1.metadata["tags"] = ["train"]
    c2 = nbformat.v4.new_markdown_cell("mf.sklearn.log_model(m, 'model')")
    c3 = nbformat.v4.new_code_cell("%%writefile x.py\nmf.sklearn.log_model(m, 'model')")
    c4 = nbformat.v4.new_code_cell("def broken(:\n    mf.sklearn.log_model(m, 'model')")
    c5 = nbformat.v4.new_code_cell("mf.sklearn.log_model(m, 'again')")
    before = _notebook(path, [c0, c1, c2, c3, c4, c5])
    result = codemod_fix([str(path)])
    after = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    assert [c.id for c in after.cells] == [c.id for c in before.cells]
    assert after.cells[0].source == c0.source  # magics untouched
    assert after.cells[1].source == ('%%time\nwith mf.start_run() as run:\n    mf.sklearn.log_model(m, name="model")\n'
                                     "    files = !ls\nprint(run.info.run_id)")
    assert after.cells[1].outputs == before.cells[1].outputs and after.cells[1].execution_count == 3
    assert after.cells[1].metadata == {"tags": ["train"]}
    assert after.cells[2].source == c2.source and after.cells[3].source == c3.source  # markdown, %%writefile
    assert after.cells[4].source == c4.source  # not Python: left alone
    assert after.cells[5].source == "mf.sklearn.log_model(m, name='again')"  # alias from cell 1 is known
    assert {(f.cell, f.line) for f in result.findings} == {(2, 3), (2, 5), (6, 1)}
    assert json.loads(path.read_text())["metadata"] == json.loads(json.dumps(before.metadata))
    assert codemod_fix([str(path)]).files_changed == []  # idempotent


def test_shell_lines_and_bash_cells(tmp_path):
    path = tmp_path / "serve.ipynb"
    _notebook(path, [
        nbformat.v4.new_code_cell("!mlflow deployments start-server --config-path c.yaml"),
        nbformat.v4.new_code_cell("%%bash\necho x\nmlflow deployments start-server --config-path c.yaml"),
    ])
    result = codemod_check([str(path)])
    assert [(f.code, f.cell, f.line, f.col) for f in result.findings] == [("MLU206", 1, 1, 2), ("MLU206", 2, 3, 1)]
    assert result.exit_code == 1


def test_broken_json_is_an_error_not_a_crash(tmp_path):
    path = tmp_path / "bad.ipynb"
    path.write_text('{"cells": [ mlflow')
    result = codemod_check([str(path)])
    assert result.errors and result.errors[0].path == str(path)


RAW_45 = """{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": null,
   "metadata": {},
   "outputs": [],
   "source": [
    "import mlflow\\n",
    "mlflow.sklearn.log_model(m, \\"model\\")  # caf\\u00e9"
   ]
  },
  {
   "cell_type": "code",
   "execution_count": 2,
   "metadata": {"collapsed": true},
   "outputs": [{"name": "stdout", "output_type": "stream", "text": ["x\\n"]}],
   "source": "    with mlflow.start_run() as run:\\n        print(run.info.run_uuid)\\n    mlflow.pyfunc.load_pyfunc(u)"
  },
  {
   "cell_type": "code",
   "execution_count": null,
   "metadata": {},
   "outputs": [],
   "source": []
  }
 ],
 "metadata": {"kernelspec": {"language": "python", "name": "python3"}, "orig_nbformat": 4},
 "nbformat": 4,
 "nbformat_minor": 5
}"""


def test_fix_changes_sources_only_byte_for_byte(tmp_path, capfd):
    """nbformat 4.5 without cell ids, `orig_nbformat`, odd layout, a one-string source, an indented first line:
    only the two sources change, nothing is added or dropped, and two runs write the same bytes."""
    path = tmp_path / "nb.ipynb"
    path.write_text(RAW_45)
    diff = codemod_diff([str(path)]).diffs[str(path)]
    result = codemod_fix([str(path)])
    after = path.read_text()
    expected = RAW_45.replace('log_model(m, \\"model\\")', 'log_model(m, name=\\"model\\")').replace(
        "run.info.run_uuid", "run.info.run_id").replace("pyfunc.load_pyfunc", "pyfunc.load_model")
    assert after == expected
    added = [line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert len(added) == len(removed) == 2  # diff shows exactly the lines fix writes
    assert set(added) <= set(after.splitlines()) and set(removed) <= set(RAW_45.splitlines())
    assert {(f.code, f.cell, f.line, f.col) for f in result.findings} == {
        ("MLU201", 1, 2, 1), ("MLU202", 2, 2, 15), ("MLU104", 2, 3, 5)}
    assert capfd.readouterr().err == ""  # no nbformat warning
    path.write_text(RAW_45)
    codemod_fix([str(path)])
    assert path.read_text() == after  # deterministic
    assert codemod_fix([str(path)]).files_changed == []
