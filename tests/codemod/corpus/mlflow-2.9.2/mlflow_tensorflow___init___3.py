# From the mlflow.tensorflow.__init__ docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import mlflow
import tensorflow as tf

tf_graph = tf.Graph()
tf_sess = tf.Session(graph=tf_graph)
with tf_graph.as_default():
    signature_definition = mlflow.tensorflow.load_model(
        model_uri="model_uri", tf_sess=tf_sess
    )
    input_tensors = [
        tf_graph.get_tensor_by_name(input_signature.name)
        for _, input_signature in signature_definition.inputs.items()
    ]
    output_tensors = [
        tf_graph.get_tensor_by_name(output_signature.name)
        for _, output_signature in signature_definition.outputs.items()
    ]
