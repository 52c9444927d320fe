import json

import nbformat

from mlflow_upgrade.codemod import codemod_check, codemod_fix


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
