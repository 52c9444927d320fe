from tests.codemod.helpers import assert_clean, assert_finding_only

CODE = "MLU205"


def test_fluent_query():
    assert_finding_only("import mlflow.gateway\nmlflow.gateway.query(route='chat', data={})\n", CODE, "predict")


def test_import_and_client_methods():
    findings = assert_finding_only(
        "from mlflow.gateway import MlflowGatewayClient\nc = MlflowGatewayClient('http://gw')\nc.get_route('chat')\n",
        CODE)
    assert [f.line for f in findings] == [1, 3]
    assert "get_endpoint" in findings[1].suggestion


def test_gateway_uri_helpers_still_exist():
    assert_clean("from mlflow.gateway import set_gateway_uri\nset_gateway_uri('http://gw')\n", CODE)


def test_installed_mlflow():
    import mlflow.gateway
    from mlflow.deployments import get_deploy_client

    assert not hasattr(mlflow.gateway, "query") and not hasattr(mlflow.gateway, "MlflowGatewayClient")
    client_cls = type(get_deploy_client("http://localhost:5000"))
    assert all(hasattr(client_cls, m) for m in ("predict", "get_endpoint", "list_endpoints"))
