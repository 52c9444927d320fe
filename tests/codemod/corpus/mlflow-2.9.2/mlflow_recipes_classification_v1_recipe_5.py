# From the mlflow.recipes.classification.v1.recipe docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import os
from mlflow.recipes import Recipe

os.chdir("~/mlp-classification-template")
classification_recipe = Recipe(profile="local")
# Display a visual overview of the recipe graph.
classification_recipe.inspect()
# Run the 'train' recipe step
classification_recipe.run(step="train")
# Display a summary of results from the preceding 'transform' step
classification_recipe.inspect(step="transform")
