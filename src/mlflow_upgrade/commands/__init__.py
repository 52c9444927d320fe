"""Click commands, one module per verb (registered in :data:`mlflow_upgrade.cli.COMMANDS`)."""
