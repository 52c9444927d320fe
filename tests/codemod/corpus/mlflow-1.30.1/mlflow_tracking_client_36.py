# From the mlflow.tracking.client docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
import mlflow
from mlflow import MlflowClient

def print_model_info(models):
    for m in models:
        print("--")
        print("name: {}".format(m.name))
        print("tags: {}".format(m.tags))
        print("description: {}".format(m.description))

mlflow.set_tracking_uri("sqlite:///mlruns.db")
client = MlflowClient()

# Register a couple of models with respective names, tags, and descriptions
for name, tags, desc in [("name1", {"t1": "t1"}, 'description1'),
                         ("name2", {"t2": "t2"}, 'description2')]:
    client.create_registered_model(name, tags, desc)

# Fetch all registered models
print_model_info(client.list_registered_models())
