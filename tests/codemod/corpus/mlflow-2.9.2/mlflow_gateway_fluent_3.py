# From the mlflow.gateway.fluent docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
from mlflow.gateway import set_gateway_uri, set_limits

set_gateway_uri(gateway_uri="databricks")

set_limits("my-new-route", [{"key": "user", "renewal_period": "minute", "calls": 50}])
