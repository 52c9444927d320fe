from mlflow_extend.version import __version__  # noqa
