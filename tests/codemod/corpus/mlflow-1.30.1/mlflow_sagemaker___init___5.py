# From the mlflow.sagemaker.__init__ docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
import pandas as pd
from mlflow.deployments import get_deploy_client

df = pd.DataFrame(data=[[1, 2, 3]], columns=["feat1", "feat2", "feat3"])
client = get_deploy_client("sagemaker:/us-east-1/arn:aws:123:role/assumed_role")
client.predict("my-deployment", df)
