# From the mlflow.recipes.classification.v1.recipe docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import os
from mlflow.recipes import Recipe

os.chdir("~/mlp-classification-template")
classification_recipe = Recipe(profile="local")
# Run the 'train' step and preceding steps
classification_recipe.run(step="train")
# Clean the cache of the 'transform' step
classification_recipe.clean(step="transform")
# Run the 'split' step; outputs are still cached because 'split' precedes
# 'transform' & 'train'
classification_recipe.run(step="split")
# Run the 'train' step again; the 'transform' and 'train' steps are re-executed because:
# 1. the cache of the preceding 'transform' step was cleaned and 2. 'train' occurs after
# 'transform'. The 'ingest' and 'split' steps are not re-executed because their outputs
# are still cached
classification_recipe.run(step="train")
