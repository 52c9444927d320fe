# From the mlflow.gateway.client docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
from mlflow.gateway import MlflowGatewayClient

gateway_client = MlflowGatewayClient("http://my.gateway:8888")

response = gateway_client.query(
    "my-completions-route",
    {
        "prompt": "Give me an example of a properly formatted pytest unit test",
        "temperature": 0.3,
        "max_tokens": 500,
    },
)
