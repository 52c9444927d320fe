# From the mlflow.models.evaluation.base docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
def squared_diff_plus_one(eval_df, builtin_metrics):
    return {
        "squared_diff_plus_one": (
            np.sum(
                np.abs(
                    eval_df["prediction"] - eval_df["target"] + 1
                ) ** 2
            )
        )
    }

def scatter_plot(eval_df, builtin_metrics, artifacts_dir):
    import tempfile
    plt.scatter(eval_df['prediction'], eval_df['target'])
    plt.xlabel('Targets')
    plt.ylabel('Predictions')
    plt.title("Targets vs. Predictions")
    plt.savefig(os.path.join(artifacts_dir, "example.png"))
    return {}, {
        "pred_target_scatter": os.path.join(
             artifacts_dir, "example.png"
        )
    }

with mlflow.start_run():
    mlflow.evaluate(
        model,
        data,
        targets,
        model_type,
        dataset_name,
        evaluators,
        custom_metrics=[squared_diff_plus_one, scatter_plot],
    )
