"""mlflow-upgrade: safe upgrades for self-hosted MLflow.

The command line (``mlflow-upgrade``) is a thin layer over :mod:`mlflow_upgrade.api`, which exposes the same
verbs as functions.
"""

__version__ = "0.1.0"
