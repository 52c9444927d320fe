# From the mlflow.deployments.openai.__init__ docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
from mlflow.deployments import get_deploy_client

client = get_deploy_client("openai")
client.predict(
    endpoint="gpt-3.5-turbo",
    inputs={
        "messages": [
            {"role": "user", "content": "Hello!"},
        ],
    },
)
