# From the mlflow.pipelines.regression.v1.pipeline docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
import os
import pandas as pd
from mlflow.pipelines import Pipeline
from mlflow.pyfunc import PyFuncModel

os.chdir("~/mlp-regression-template")
regression_pipeline = Pipeline(profile="local")
regression_pipeline.run()
train_df: pd.DataFrame = regression_pipeline.get_artifact("training_data")
trained_model: PyFuncModel = regression_pipeline.get_artifact("model")
