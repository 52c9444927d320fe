# From the mlflow.pipelines.regression.v1.pipeline docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
import os
from mlflow.pipelines import Pipeline

os.chdir("~/mlp-regression-template")
regression_pipeline = Pipeline(profile="local")
# Run the 'train' step and preceding steps
regression_pipeline.run(step="train")
# Run the 'register' step and preceding steps; the 'train' step and all steps
# prior to 'train' are not re-executed because their outputs are already cached
regression_pipeline.run(step="register")
# Run all pipeline steps; equivalent to running 'register'; no steps are re-executed
# because the outputs of all steps are already cached
regression_pipeline.run()
