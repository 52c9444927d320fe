# From the mlflow.tracking._model_registry.utils docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
# Get the current model registry uri
mr_uri = mlflow.get_registry_uri()
print(f"Current model registry uri: {mr_uri}")

# Get the current tracking uri
tracking_uri = mlflow.get_tracking_uri()
print(f"Current tracking uri: {tracking_uri}")

# They should be the same
assert mr_uri == tracking_uri
