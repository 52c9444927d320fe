"""Write ``docs/rules/<CODE>.md`` (ruff style) from the registry and the examples below.

    .venv/bin/python tests/codemod/make_rule_docs.py

The "After" block of every fixable example is produced by running the rule, and test_docs.py checks that the
committed pages still match what the rules do.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from mlflow_upgrade.codemod.registry import load_rules

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules"
FAMILY = {1: "1.x → 2.x (runs by default; `--from 2` skips it)", 2: "2.x → 3.x (always runs)",
          3: "configuration files (always runs)"}

REFERENCES = {
    1: "- MLflow 2.0.0 release notes: https://github.com/mlflow/mlflow/releases/tag/v2.0.0\n"
       "- Verified against the 1.30.1 and 2.9.2 sdists and the installed 3.17.2 (tests/codemod/).",
    2: "- MLflow 3 migration guide: https://mlflow.org/docs/latest/ml/mlflow-3\n"
       "- Breaking changes in MLflow 3: https://mlflow.org/docs/latest/genai/mlflow-3/breaking-changes\n"
       "- Verified against 2.9.2, 2.22.5 and the installed 3.17.2 (tests/codemod/).",
    3: "- Breaking changes in MLflow 3: https://mlflow.org/docs/latest/genai/mlflow-3/breaking-changes\n"
       "- Verified against the installed 3.17.2 (tests/codemod/).",
}

# code -> (what it finds, why it matters, example before, manual change for what is not fixed, notes)
PAGES: dict[str, dict[str, str]] = {
    "MLU101": dict(
        what="Calls of `mlflow.list_experiments()` and `MlflowClient.list_experiments()`, including "
             "`from mlflow import list_experiments`.",
        why="Both were removed in MLflow 2.0; the call raises `AttributeError`. `search_experiments` takes the "
            "same first two parameters (`view_type`, `max_results`).",
        before="""\
            import mlflow
            from mlflow import MlflowClient

            experiments = mlflow.list_experiments()
            client = MlflowClient()
            page = client.list_experiments(max_results=10)
            """,
        notes="Fixed for the fluent API always (`mlflow.search_experiments()` also returns every experiment), "
              "and for a method call when the receiver is known to be an `MlflowClient` at that line (resolved "
              "per scope with reassignment, see docs/codemod.md) and the call asked for a page (`max_results` "
              "given) with at most two positional arguments: the third positional parameter of "
              "`search_experiments` is `filter_string`, not `page_token`. `client.list_experiments()` without "
              "`max_results` returned every experiment, `search_experiments()` returns at most 1000 (3.17.2 "
              "refuses `max_results=None`): flagged with a `page_token` loop as the suggestion, not rewritten. "
              "Unknown receivers get a finding; objects known not to be MLflow's (another class, `self`) none.",
    ),
    "MLU102": dict(
        what="`mlflow.list_run_infos(...)` and `MlflowClient.list_run_infos(...)`.",
        why="Removed in MLflow 2.0. The replacement, `search_runs`, returns `Run` objects (not `RunInfo`) and "
            "takes a list of experiment ids, so the call cannot be rewritten mechanically.",
        before="""\
            import mlflow

            infos = mlflow.list_run_infos("0")
            """,
        manual="""\
            import mlflow

            infos = [run.info for run in mlflow.search_runs(["0"], output_format="list")]
            """,
    ),
    "MLU103": dict(
        what="`MlflowClient.list_registered_models(...)`.",
        why="Removed in MLflow 2.0. `search_registered_models(filter_string, max_results, order_by, page_token)` "
            "replaces it; positional arguments would land on `filter_string`.",
        before="""\
            from mlflow import MlflowClient

            client = MlflowClient()
            models = client.list_registered_models(max_results=100)
            """,
        notes="Fixed when the receiver is a known `MlflowClient` and every argument is a keyword; otherwise a "
              "finding asks to pass the arguments by keyword.",
    ),
    "MLU104": dict(
        what="`mlflow.pyfunc.load_pyfunc(...)` (attribute or `from mlflow.pyfunc import load_pyfunc`).",
        why="Deprecated since MLflow 1.0 and still warning on every call in 3.17.2; `load_model` takes the same "
            "leading parameters (`model_uri`, `suppress_warnings`).",
        before="""\
            from mlflow.pyfunc import load_pyfunc

            model = load_pyfunc("runs:/abc/model")
            """,
        notes="Not fixed when the new name `load_model` is already bound to something else in the module.",
    ),
    "MLU105": dict(
        what="Imports and uses of `mlflow.azureml`.",
        why="The module (`build_image`, `deploy`) was removed in MLflow 2.0; the import fails.",
        before="""\
            import mlflow.azureml

            mlflow.azureml.deploy(model_uri, workspace)
            """,
        manual="""\
            from mlflow.deployments import get_deploy_client

            client = get_deploy_client("azureml://...")  # pip install azureml-mlflow
            client.create_deployment(name="model", model_uri=model_uri)
            """,
    ),
    "MLU106": dict(
        what="`mlflow.sklearn.eval_and_log_metrics(...)`.",
        why="Removed in MLflow 2.0; model evaluation is `mlflow.evaluate`.",
        before="""\
            import mlflow

            metrics = mlflow.sklearn.eval_and_log_metrics(model, X, y, prefix="val_")
            """,
        manual="""\
            import mlflow

            info = mlflow.sklearn.log_model(model, name="model")
            result = mlflow.evaluate(info.model_uri, X.assign(y=y), targets="y", model_type="regressor")
            """,
    ),
    "MLU107": dict(
        what="`mlflow.run(...)` / `mlflow.projects.run(...)` with `use_conda=` or `skip_image_build=`.",
        why="Both were removed in MLflow 2.0 (TypeError). 1.30.1 mapped `use_conda` to "
            "`env_manager = 'conda' if use_conda else 'local'`; `skip_image_build` became `build_image` with the "
            "opposite meaning.",
        before="""\
            import mlflow

            mlflow.run(".", use_conda=False)
            mlflow.projects.run("docker-project", backend="local", skip_image_build=True)
            """,
        notes="Fixed for the literals `True`/`False` (and when `env_manager`/`build_image` is not also given); a "
              "variable gets a finding with the mapping.",
    ),
    "MLU108": dict(
        what="`mlflow.evaluate(..., dataset_name=...)`.",
        why="Removed in MLflow 2.0 together with the `{metric}_on_{dataset_name}` metric names; datasets are "
            "named through `mlflow.data`.",
        before="""\
            import mlflow

            mlflow.evaluate(model_uri, df, targets="y", model_type="regressor", dataset_name="validation")
            """,
        manual="""\
            import mlflow

            data = mlflow.data.from_pandas(df, targets="y", name="validation")
            mlflow.evaluate(model_uri, data, model_type="regressor")
            """,
    ),
    "MLU201": dict(
        what="`mlflow.<flavor>.log_model(...)` calls that pass the model's path as `artifact_path` (by keyword, "
             "or positionally: the second argument of most flavors, the first of `mlflow.pyfunc`).",
        why="MLflow 3 logs models as first-class LoggedModels identified by `name`; `artifact_path` is "
            "deprecated and warns. 3.17.2 does `name = name or artifact_path`, so renaming is exact.",
        before="""\
            import mlflow as mf
            from mlflow.sklearn import log_model

            with mf.start_run():
                mf.xgboost.log_model(booster, "model")  # positional path
                log_model(pipeline, artifact_path="pipeline", registered_model_name="churn")
                mf.spark.log_model(spark_model, "spark-model")  # unchanged: no `name` in 3.x
            """,
        notes="Only flavors whose 3.17.2 `log_model` has `name` are rewritten (the table is checked against the "
              "installed MLflow by the tests): `mlflow.spark.log_model` and `Model.log` still take "
              "`artifact_path`, and `mlflow.log_artifact(..., artifact_path=...)` is a different thing. Not "
              "fixed (finding): a literal path that is not a valid MLflow 3 model name (`/ : . %` or quotes — "
              "it fails either way), more positional arguments after the path, `*args`, and positional "
              "`mlflow.tensorflow.log_model` (its positional order differed in 1.x).",
    ),
    "MLU202": dict(
        what="`RunInfo.run_uuid` (`run.info.run_uuid`), `RunInfo(run_uuid=...)`, and `attributes.run_uuid` in "
             "search filter and order-by strings (plain and f-strings).",
        why="MLflow 3.0 removed the deprecated `run_uuid` property and search attribute; `run_id` has the same "
            "value. The old filter is rejected (`Invalid attribute key 'run_uuid'`).",
        before="""\
            import mlflow

            run = mlflow.active_run()
            print(run.info.run_uuid)
            runs = mlflow.search_runs(filter_string=f"attributes.run_uuid = '{run_id}'")
            """,
        notes="`.run_uuid` on an object that is not `<something>.info` is reported, not rewritten; on an object "
              "known not to be MLflow's (an instance of a class the file defines, `self`), or anywhere in a file "
              "whose own classes carry a `run_uuid` attribute (`self.run_uuid = ...`, a dataclass field) unless "
              "the object came from an MLflow API, it is not reported.",
    ),
    "MLU203": dict(
        what="Imports and uses of removed flavors: `mlflow.fastai`, `mlflow.mleap`, `mlflow.diviner`, "
             "`mlflow.promptflow` (removed in 3.0), `mlflow.gluon`, `mlflow.keras_core`, `mlflow.llm` "
             "(present in 2.9.2, absent from 2.22.5).",
        why="The modules do not exist in MLflow 3; imports fail.",
        before="""\
            import mlflow.fastai

            mlflow.fastai.log_model(learner, "model")
            """,
        manual="""\
            import mlflow


            class FastaiModel(mlflow.pyfunc.PythonModel):
                def load_context(self, context):
                    from fastai.learner import load_learner

                    self.learner = load_learner(context.artifacts["learner"])

                def predict(self, context, model_input):
                    return self.learner.predict(model_input)


            learner.export("learner.pkl")
            mlflow.pyfunc.log_model(name="model", python_model=FastaiModel(), artifacts={"learner": "learner.pkl"})
            """,
    ),
    "MLU204": dict(
        what="Imports and uses of `mlflow.recipes` and of its 1.x name `mlflow.pipelines`.",
        why="MLflow 2.0 renamed Pipelines to Recipes; MLflow 3.0 removed Recipes completely (#15250).",
        before="""\
            from mlflow.recipes import Recipe

            recipe = Recipe(profile="local")
            recipe.run()
            """,
        manual="""\
            # Run the steps as plain Python (or an MLflow Project) with tracking and the model registry:
            import mlflow

            with mlflow.start_run():
                model = train(ingest())
                mlflow.sklearn.log_model(model, name="model", registered_model_name="recipe-model")
            """,
    ),
    "MLU205": dict(
        what="The AI gateway *routes* client: `mlflow.gateway.query`, `get_route`, `search_routes`, "
             "`create_route`, `delete_route`, `set_limits`, `get_limits`, `MlflowGatewayClient` and its methods.",
        why="Gateway routes became deployments endpoints; MLflow 3 keeps only `get_gateway_uri` and "
            "`set_gateway_uri` in `mlflow.gateway`.",
        before="""\
            from mlflow.gateway import query, set_gateway_uri

            set_gateway_uri("http://localhost:5000")
            answer = query(route="chat", data={"messages": [{"role": "user", "content": "hi"}]})
            """,
        manual="""\
            from mlflow.deployments import get_deploy_client

            client = get_deploy_client("http://localhost:5000")
            answer = client.predict(endpoint="chat", inputs={"messages": [{"role": "user", "content": "hi"}]})
            """,
        notes="Never rewritten: no call maps 1:1. The fluent functions relied on the gateway URI set by "
              "`set_gateway_uri`, while the replacement needs a client bound to that URI, and the method and "
              "argument names change (`query(route, data)` → `predict(endpoint=, inputs=)`, `get_route` → "
              "`get_endpoint`, `search_routes` → `list_endpoints`); each finding names the replacement.",
    ),
    "MLU206": dict(
        what="`mlflow deployments start-server` in shell scripts (`*.sh`), notebook `!` lines and "
             "`%%bash`/`%%sh` cells.",
        why="MLflow 3.0 removed the command (#15327). 3.17.2 starts the same gateway with `mlflow gateway start` "
            "and the same options; the config file must use the 3.x keys (MLU301).",
        lang="bash",
        before="""\
            mlflow deployments start-server --config-path config.yaml --port 7000
            """,
        manual="""\
            mlflow gateway start --config-path config.yaml --port 7000
            """,
    ),
    "MLU207": dict(
        what="`mlflow.evaluate(..., baseline_model=..., baseline_config=..., validation_thresholds=...)` and "
             "`EvaluationResult.baseline_model_metrics`.",
        why="MLflow 3.0 removed both parameters; validation is a separate call, "
            "`mlflow.validate_evaluation_results(validation_thresholds, candidate_result, baseline_result)`.",
        before="""\
            import mlflow

            mlflow.evaluate(candidate_uri, data, targets="y", model_type="classifier",
                            baseline_model=baseline_uri, validation_thresholds=thresholds)
            """,
        manual="""\
            import mlflow

            candidate = mlflow.evaluate(candidate_uri, data, targets="y", model_type="classifier")
            baseline = mlflow.evaluate(baseline_uri, data, targets="y", model_type="classifier")
            mlflow.validate_evaluation_results(thresholds, candidate, baseline)
            """,
    ),
    "MLU208": dict(
        what="`mlflow.evaluate(..., custom_metrics=...)`.",
        why="Renamed `extra_metrics` in 2.x; MLflow 3.0 removed `custom_metrics` (TypeError).",
        before="""\
            import mlflow

            mlflow.evaluate(model_uri, data, targets="y", custom_metrics=[rmse_metric])
            """,
        notes="Not fixed when `extra_metrics` is also passed (the lists must be merged by hand).",
    ),
    "MLU209": dict(
        what="`MetricThreshold(..., higher_is_better=...)`.",
        why="The parameter was renamed `greater_is_better` (same meaning) and removed in MLflow 3.0. Only "
            "`MetricThreshold` is rewritten: `make_metric` always used `greater_is_better`.",
        before="""\
            from mlflow.models import MetricThreshold

            thresholds = {"accuracy": MetricThreshold(threshold=0.8, higher_is_better=True)}
            """,
    ),
    "MLU210": dict(
        what="`example_no_conversion=` in any `mlflow.<flavor>.log_model` / `save_model` call.",
        why="Deprecated in 2.x (\"no longer used and can be safely removed\" in 2.22) and removed in 3.0: "
            "`mlflow.pyfunc.log_model` raises `TypeError` on it. Input examples are never converted in 3.x.",
        before="""\
            import mlflow

            mlflow.pyfunc.log_model(
                name="model",
                python_model=model,
                input_example=example,
                example_no_conversion=True,
            )
            """,
    ),
    "MLU211": dict(
        what="Model registry stage APIs: `get_latest_versions`, `transition_model_version_stage`, "
             "`get_model_version_stages`, `set/delete_model_version_tag(stage=...)` and `models:/<name>/<stage>` "
             "URIs in plain strings, f-strings (`f\"models:/{name}/Production\"`), `.format`/`%` templates and "
             "in any case (MLflow compares stages case-insensitively).",
        why="Stages are deprecated since MLflow 2.9 in favour of aliases and tags; they still work in 3.17.2 "
            "with warnings, and registries such as Unity Catalog do not support them.",
        before="""\
            from mlflow import MlflowClient

            client = MlflowClient()
            latest = client.get_latest_versions("churn", stages=["Production"])
            model = mlflow.pyfunc.load_model("models:/churn/Production")
            """,
        manual="""\
            from mlflow import MlflowClient

            client = MlflowClient()
            client.set_registered_model_alias("churn", "champion", version)  # once, where you promoted
            latest = client.get_model_version_by_alias("churn", "champion")
            model = mlflow.pyfunc.load_model("models:/churn@champion")
            """,
    ),
    "MLU212": dict(
        what="`mlflow.transformers.log_model/save_model(..., inference_config=...)`.",
        why="Deprecated in 2.x in favour of `model_config` and removed from the transformers flavor in 3.0 "
            "(`mlflow.sentence_transformers` keeps its own `inference_config`).",
        before="""\
            import mlflow

            mlflow.transformers.log_model(pipe, name="model", inference_config={"max_new_tokens": 64})
            """,
        notes="Not fixed when `model_config` is also passed.",
    ),
    "MLU213": dict(
        what="`mlflow.pyfunc.log_model/save_model(..., code_path=...)`.",
        why="pyfunc was the one flavor with `code_path` in 2.x; MLflow 3 names it `code_paths` (same list of "
            "paths) and `mlflow.pyfunc.log_model` has no `**kwargs`, so the old keyword raises TypeError.",
        before="""\
            import mlflow

            mlflow.pyfunc.log_model(name="model", python_model=model, code_path=["src/"])
            """,
        notes="Not fixed when `code_paths` is also passed.",
    ),
    "MLU214": dict(
        what="`.signature_dict` (the `ModelInfo` property returned by `log_model`).",
        why="Deprecated since 1.28.1 and removed in MLflow 3 (AttributeError). `ModelInfo.signature` is the "
            "`ModelSignature`; the old property returned `None` when there was no signature, so the "
            "replacement needs a guard.",
        before="""\
            import mlflow

            info = mlflow.sklearn.log_model(model, name="model")
            print(info.signature_dict)
            """,
        manual="""\
            import mlflow

            info = mlflow.sklearn.log_model(model, name="model")
            print(info.signature.to_dict() if info.signature else None)
            """,
    ),
    "MLU215": dict(
        what="Any `mlflow.…` name the code uses (attribute, `import`, `from … import`) that the installed MLflow "
             "lacks, and any keyword argument the installed function or class does not accept (it takes no "
             "`**kwargs`): removed classes and helpers used through their own names, removed or renamed keywords "
             "of flavor functions, of `autolog`, of metric helpers. Names a specific rule reports with a "
             "replacement are left to that rule.",
        why="The code fails on the installed MLflow with AttributeError, ImportError or TypeError. The installed "
            "MLflow is the reference: each name is looked up by importing its module, so the answer is the one "
            "the code gets at run time; a module that cannot be imported here for another reason (an optional "
            "dependency) gives no finding, and attributes of functions (a mock's `assert_called`) are not names.",
        before="""\
            from mlflow.metrics.genai.prompt_template import PromptTemplate
            import mlflow.sagemaker as mfs

            prompt = PromptTemplate(template_str="Say {foo}", variables=["foo"])
            mfs.deploy("my-app", model_uri="models:/m/1")
            """,
        manual="""\
            from mlflow.metrics.genai.prompt_template import PromptTemplate
            from mlflow.deployments import get_deploy_client

            prompt = PromptTemplate(template_str="Say {foo}")
            get_deploy_client("sagemaker").create_deployment("my-app", model_uri="models:/m/1")
            """,
    ),
    "MLU216": dict(
        what="A file that uses `mlflow.…` without importing `mlflow` (a Databricks notebook that gets it from "
             "`%run ./setup` or the runtime, a snippet run in a session). Reported once per file, at the first "
             "use.",
        why="The rules resolve names through the file's imports. Here they read the unbound `mlflow` as MLflow "
            "(and report what they find), but anything else the `%run` notebook defines (a client, helpers "
            "wrapping removed APIs) is invisible: this finding says so instead of a silent \"All checks passed\".",
        before="""\
            # Databricks notebook source
            # MAGIC %run ./setup

            # COMMAND ----------
            experiments = mlflow.list_experiments()
            """,
        manual="""\
            # Databricks notebook source
            # MAGIC %run ./setup

            # COMMAND ----------
            import mlflow

            experiments = mlflow.search_experiments()
            """,
    ),
    "MLU301": dict(
        what="AI gateway config files with the 2.x schema: a top-level `routes:` list whose entries carry "
             "`route_type` (or already `endpoint_type`: half-migrated files).",
        why="MLflow 3.0 removed the old keys (#15331): 3.17.2 rejects `route_type` and reads a top-level "
            "`routes:` as traffic-split routes (`task_type`, `destinations`), so a 2.x file fails to load. "
            "The 2.x schema accepted `endpoints`/`endpoint_type` as aliases, so the fixed file also works on 2.x.",
        lang="yaml",
        before="""\
            routes:
              - name: chat  # comments are kept
                route_type: llm/v1/chat
                model:
                  provider: openai
                  name: gpt-4o-mini
                  config:
                    openai_api_key: $OPENAI_API_KEY
            """,
        kind="gateway",
        notes="The file is rewritten as text (comments and layout kept) after YAML parsing confirmed the "
              "legacy schema; a file that already uses `endpoints:` is left alone. Compared field by field, the "
              "2.9.2 and 3.17.2 config models differ only in these two keys (provider sections such as "
              "`openai_api_key` or `aws_config` are unchanged; `bedrock` is still accepted).",
    ),
    "MLU302": dict(
        what="Requirements that exclude MLflow 3: `mlflow<3`, `mlflow==2.9.2`, `mlflow~=2.16` in "
             "`requirements*.txt`/`constraints*.txt`, `pyproject.toml` (PEP 621 strings and Poetry `^2.x`) and "
             "conda environment files (`mlflow=2.9`, `pip:` entries); `mlflow-skinny` too. The package name "
             "must be MLflow's exactly (PEP 503: `MLflow`, `mlflow_skinny` are; `fastapi-mlflow`, "
             "`mlflow-export-import` are other packages).",
        why="The code fixes target MLflow 3 (3.17.2); a pin below 3 keeps installing 2.x. Pins are a release "
            "decision (the tracking server must be upgraded first), so they are reported with the replacement, "
            "never rewritten.",
        lang="text",
        before="""\
            mlflow==2.9.2
            """,
        kind="requirements",
        manual="""\
            mlflow>=3,<4
            """,
    ),
}


def render(code: str) -> str:
    info = load_rules()[code]
    page = PAGES[code]
    lang = page.get("lang", "python")
    before = textwrap.dedent(page["before"])
    lines = [f"# {code}: {info.name}", "",
             f"**Fixable:** {info.fixable} · **Family:** {FAMILY[info.family]}", "",
             f"**Caused by:** {info.since}", "",
             "## What it does", "", page["what"], "",
             "## Why is this bad?", "", page["why"], "",
             "## Example", "", f"```{lang}", before.rstrip("\n"), "```", ""]
    if info.fixable != "never" and "manual" not in page:
        after = run_fix(code, before, page.get("kind"))
        lines += ["After `mlflow-upgrade codemod fix`:", "", f"```{lang}", after.rstrip("\n"), "```", ""]
    if "manual" in page:
        lines += ["Use instead (manual change; the finding's suggestion points at it):", "", f"```{lang}",
                  textwrap.dedent(page["manual"]).rstrip("\n"), "```", ""]
    if page.get("notes"):
        lines += ["## When it is not fixed" if info.fixable == "sometimes" else "## Notes", "", page["notes"], ""]
    lines += ["## Options", "", f"`--select {code}` / `--ignore {code}` (or a prefix such as "
              f"`MLU{info.family}`).", "", "## References", ""]
    lines += [REFERENCES[info.family], ""]
    return "\n".join(lines)


def run_fix(code: str, source: str, kind: str | None = None) -> str:
    from mlflow_upgrade.codemod.config_files import transform_config
    from mlflow_upgrade.codemod.python import transform_source

    rules = [load_rules()[code]]
    if kind:
        return transform_config("example", kind, source, rules)[0]
    return transform_source(source, "example.py", rules)[0]


def main() -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    for code in load_rules():
        (DOCS / f"{code}.md").write_text(render(code), encoding="utf-8")
        print(f"wrote docs/rules/{code}.md")


if __name__ == "__main__":
    main()
