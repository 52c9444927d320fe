# From the mlflow.pipelines.regression.v1.pipeline docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
import os
from mlflow.pipelines import Pipeline

os.chdir("~/mlp-regression-template")
regression_pipeline = Pipeline(profile="local")
# Run the 'train' step and preceding steps
regression_pipeline.run(step="train")
# Clean the cache of the 'transform' step
regression_pipeline.clean(step="transform")
# Run the 'split' step; outputs are still cached because 'split' precedes
# 'transform' & 'train'
regression_pipeline.run(step="split")
# Run the 'train' step again; the 'transform' and 'train' steps are re-executed because:
# 1. the cache of the preceding 'transform' step was cleaned and 2. 'train' occurs after
# 'transform'. The 'ingest' and 'split' steps are not re-executed because their outputs
# are still cached
regression_pipeline.run(step="train")
