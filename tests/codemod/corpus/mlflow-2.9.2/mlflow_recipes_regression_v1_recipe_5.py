# From the mlflow.recipes.regression.v1.recipe docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import os
from mlflow.recipes import Recipe

os.chdir("~/recipes-regression-template")
regression_recipe = Recipe(profile="local")
# Display a visual overview of the recipe graph.
regression_recipe.inspect()
# Run the 'train' recipe step
regression_recipe.run(step="train")
# Display a summary of results from the preceding 'transform' step
regression_recipe.inspect(step="transform")
