# From the mlflow.tracking.fluent docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
import mlflow

mlflow.start_run()
mlflow.end_run()
run = mlflow.last_active_run()
