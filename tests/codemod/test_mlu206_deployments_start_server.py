from mlflow_upgrade.codemod.registry import load_rules
from mlflow_upgrade.codemod.shell import shell_findings

CODE = "MLU206"


def test_shell_line():
    rules = [load_rules()[CODE]]
    findings = shell_findings("run.sh", ["echo hi", "  mlflow deployments start-server --config-path c.yaml --port 7000"],
                              rules)
    assert [(f.line, f.col) for f in findings] == [(2, 3)]
    assert "mlflow gateway start --config-path c.yaml --port 7000" in findings[0].suggestion


def test_gateway_start_clean():
    assert shell_findings("run.sh", ["mlflow gateway start --config-path c.yaml"], [load_rules()[CODE]]) == []


def test_installed_cli():
    from pathlib import Path

    import mlflow.deployments.cli as deployments_cli

    assert "start-server" not in deployments_cli.commands.commands
    # `mlflow gateway start` is registered only when the gateway extras import; read its definition instead
    source = (Path(deployments_cli.__file__).parent.parent / "gateway" / "cli.py").read_text()
    assert '@commands.command("start"' in source and '"--config-path"' in source
