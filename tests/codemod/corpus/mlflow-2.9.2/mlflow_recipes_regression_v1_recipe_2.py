# From the mlflow.recipes.regression.v1.recipe docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import os
from mlflow.recipes import Recipe

os.chdir("~/recipes-regression-template")
regression_recipe = Recipe(profile="local")
# Run the 'train' step and preceding steps
regression_recipe.run(step="train")
# Run the 'register' step and preceding steps; the 'train' step and all steps
# prior to 'train' are not re-executed because their outputs are already cached
regression_recipe.run(step="register")
# Run all recipe steps; equivalent to running 'register'; no steps are re-executed
# because the outputs of all steps are already cached
regression_recipe.run()
