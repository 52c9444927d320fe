# From the mlflow.pytorch.__init__ docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
import mlflow.pytorch

# Log PyTorch model
with mlflow.start_run() as run:
    mlflow.pytorch.log_model(model, "model")

# Fetch the associated conda environment
env = mlflow.pytorch.get_default_conda_env()
print("conda env: {}".format(env))
