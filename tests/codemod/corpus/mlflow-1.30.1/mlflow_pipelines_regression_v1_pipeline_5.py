# From the mlflow.pipelines.regression.v1.pipeline docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
import os
from mlflow.pipelines import Pipeline

os.chdir("~/mlp-regression-template")
regression_pipeline = Pipeline(profile="local")
# Display a visual overview of the pipeline graph.
regression_pipeline.inspect()
# Run the 'train' pipeline step
regression_pipeline.run(step="train")
# Display a summary of results from the preceding 'transform' step
regression_pipeline.inspect(step="transform")
