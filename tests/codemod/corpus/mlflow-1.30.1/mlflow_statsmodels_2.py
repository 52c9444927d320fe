# From the mlflow.statsmodels docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
from mlflow.models.signature import infer_signature
train = df.drop_column("target_label")
predictions = ... # compute model predictions
signature = infer_signature(train, predictions)
