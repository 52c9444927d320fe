# From the mlflow.tracking.fluent docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
mlflow.autolog(log_models=False, exclusive=True)
import sklearn
