# From the mlflow.recipes.regression.v1.recipe docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import os
from mlflow.recipes import Recipe

os.chdir("~/recipes-regression-template")
regression_recipe = Recipe(profile="local")
# Display a visual overview of the recipe graph
regression_recipe.inspect()
# Run the full recipe
regression_recipe.run()
# Display a summary of results from the 'train' step, including the trained model
# and associated performance metrics computed from the training & validation datasets
regression_recipe.inspect(step="train")
# Display a summary of results from the 'evaluate' step, including model explanations
# computed from the validation dataset and metrics computed from the test dataset
regression_recipe.inspect(step="evaluate")
