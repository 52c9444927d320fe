# From the mlflow.transformers.__init__ docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
from transformers import pipeline, AutoTokenizer

task = "text-generation"
architecture = "gpt2"

sentence_pipeline = pipeline(
    task=task, tokenizer=AutoTokenizer.from_pretrained(architecture), model=architecture
)

# Validate that the overrides function
prompts = ["Generative models are", "I'd like a coconut so that I can"]

# validation of config prior to save or log
model_config = {
    "top_k": 2,
    "num_beams": 5,
    "max_length": 30,
    "temperature": 0.62,
    "top_p": 0.85,
    "repetition_penalty": 1.15,
}

# Verify that no exceptions are thrown
sentence_pipeline(prompts, **model_config)

with mlflow.start_run():
    mlflow.transformers.log_model(
        transformers_model=sentence_pipeline,
        artifact_path="my_sentence_generator",
        task=task,
        model_config=model_config,
    )
