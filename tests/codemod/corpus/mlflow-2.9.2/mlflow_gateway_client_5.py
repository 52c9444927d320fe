# From the mlflow.gateway.client docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
from mlflow.gateway import MlflowGatewayClient

gateway_client = MlflowGatewayClient("http://my.gateway:8888")

response = gateway_client.query(
    "my-embeddings-route",
    {"text": ["It was the best of times", "It was the worst of times"]},
)
