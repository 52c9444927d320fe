# From the mlflow.sagemaker.__init__ docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
from mlflow.deployments import get_deploy_client

client = get_deploy_client("sagemaker:/us-east-1/arn:aws:123:role/assumed_role")
client.list_deployments()
