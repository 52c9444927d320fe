from mlflow_upgrade.cli import main

main()
