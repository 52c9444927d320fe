# From the mlflow.pipelines.pipeline docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
import os
from mlflow.pipelines import Pipeline

os.chdir("~/mlp-regression-template")
regression_pipeline = Pipeline(profile="local")
regression_pipeline.run(step="train")
