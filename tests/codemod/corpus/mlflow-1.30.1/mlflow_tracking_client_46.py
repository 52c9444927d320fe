# From the mlflow.tracking.client docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
import mlflow
from mlflow import MlflowClient

client = MlflowClient()

# Get all versions of the model filtered by name
model_name = "CordobaWeatherForecastModel"
filter_string = "name='{}'".format(model_name)
results = client.search_model_versions(filter_string)
print("-" * 80)
for res in results:
    print("name={}; run_id={}; version={}".format(res.name, res.run_id, res.version))

# Get the version of the model filtered by run_id
run_id = "e14afa2f47a040728060c1699968fd43"
filter_string = "run_id='{}'".format(run_id)
results = client.search_model_versions(filter_string)
print("-" * 80)
for res in results:
    print("name={}; run_id={}; version={}".format(res.name, res.run_id, res.version))
