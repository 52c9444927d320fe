# From the mlflow.models.wheeled_model docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
# Given a model uri, log the wheeled model
with mlflow.start_run():
    WheeledModel.log_model(model_uri)
