import pytest

from tests.codemod.helpers import assert_clean, assert_finding_only, assert_fix, fix

CODE = "MLU202"


def test_info_attribute():
    assert_fix("import mlflow\nrun = mlflow.active_run()\nprint(run.info.run_uuid)\n",
               "import mlflow\nrun = mlflow.active_run()\nprint(run.info.run_id)\n", CODE)


@pytest.mark.parametrize(("before", "after"), [
    ('"attributes.run_uuid = \'abc\'"', '"attributes.run_id = \'abc\'"'),
    ('"attribute.run_uuid IN (\'a\', \'b\')"', '"attribute.run_id IN (\'a\', \'b\')"'),
    ("'metrics.acc > 0.5 and attributes.`run_uuid` = \"x\"'", "'metrics.acc > 0.5 and attributes.`run_id` = \"x\"'"),
    ('f"attributes.run_uuid = \'{rid}\'"', 'f"attributes.run_id = \'{rid}\'"'),
])
def test_filter_strings(before, after):
    assert_fix(f"import mlflow\nmlflow.search_runs(filter_string={before})\n",
               f"import mlflow\nmlflow.search_runs(filter_string={after})\n", CODE)


def test_order_by_list():
    assert_fix("import mlflow\nmlflow.search_runs(order_by=['attributes.run_uuid DESC'])\n",
               "import mlflow\nmlflow.search_runs(order_by=['attributes.run_id DESC'])\n", CODE)


def test_runinfo_keyword():
    assert_fix("from mlflow.entities import RunInfo\nRunInfo(run_uuid='a', experiment_id='0')\n",
               "from mlflow.entities import RunInfo\nRunInfo(run_id='a', experiment_id='0')\n", CODE)


def test_unknown_receiver_is_finding():
    assert_finding_only("import mlflow\ndef f(ri):\n    return ri.run_uuid\n", CODE, "run_id")


def test_plain_strings_untouched():
    assert_clean("import mlflow\nprint('run_uuid is gone')\nmlflow.search_runs(filter_string='tags.run_uuid = \"x\"')\n",
                 CODE)


def test_rewritten_filter_runs_against_installed_mlflow(tracking):
    import mlflow

    with mlflow.start_run() as run:
        pass
    new, _ = fix(f"import mlflow\nruns = mlflow.search_runs(filter_string=\"attributes.run_uuid = '{run.info.run_id}'\", "
                 "output_format='list')\nrid = runs[0].info.run_uuid\n", CODE)
    namespace: dict = {}
    exec(new, namespace)
    assert namespace["rid"] == run.info.run_id
    with pytest.raises(Exception, match="run_uuid"):  # the original filter is rejected by MLflow 3
        mlflow.search_runs(filter_string=f"attributes.run_uuid = '{run.info.run_id}'")


def test_users_own_run_uuid_attributes_are_not_flagged():
    own = ("import mlflow\nclass Job:\n    def __init__(self, run_uuid):\n        self.run_uuid = run_uuid\n"
           "    def show(self):\n        print(self.run_uuid)\njob = Job('x')\nprint(job.run_uuid)\n"
           "def f(j):\n    return j.run_uuid\n")
    assert_clean(own, "MLU202")
    dataclass = "import mlflow\n@dataclass\nclass Row:\n    run_uuid: str\ndef f(row):\n    return row.run_uuid\n"
    assert_clean(dataclass, "MLU202")
    literal = "import mlflow\nfrom types import SimpleNamespace\nx = SimpleNamespace(run_uuid=1)\nclass A: pass\na = A()\nprint(a.run_uuid)\n"
    assert_clean(literal, "MLU202")


def test_mlflow_objects_and_unknown_receivers_still_flagged():
    assert_finding_only("import mlflow\nr = mlflow.get_run(i)\ninfo = r.info\nprint(info.run_uuid)\n", "MLU202",
                        "run_id")
    assert_finding_only("import mlflow\ndef f(run_info):\n    return run_info.run_uuid\n", "MLU202", "run_id")
