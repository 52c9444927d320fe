# From the mlflow.recipes.classification.v1.recipe docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import os
from mlflow.recipes import Recipe

os.chdir("~/mlp-classification-template")
classification_recipe = Recipe(profile="local")
# Run the 'train' step and preceding steps
classification_recipe.run(step="train")
# Run the 'register' step and preceding steps; the 'train' step and all steps
# prior to 'train' are not re-executed because their outputs are already cached
classification_recipe.run(step="register")
# Run all recipe steps; equivalent to running 'register'; no steps are re-executed
# because the outputs of all steps are already cached
classification_recipe.run()
