from tests.codemod.helpers import config

CODE = "MLU301"

LEGACY = """\
# comment kept
routes:
  - name: chat   # inline comment kept
    route_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4o-mini
      config:
        openai_api_key: sk-test
"""


def test_legacy_config_fixed():
    new, findings = config(LEGACY, "gateway", CODE)
    assert new == LEGACY.replace("routes:", "endpoints:").replace("route_type:", "endpoint_type:")
    assert [f.line for f in findings] == [2, 4]


def test_new_schema_untouched():
    text = LEGACY.replace("routes:", "endpoints:").replace("route_type:", "endpoint_type:")
    new, findings = config(text, "gateway", CODE)
    assert new == text and findings == []


def test_fixed_config_loads_in_installed_mlflow(tmp_path):
    import pytest
    from mlflow.gateway.config import _load_gateway_config

    new, _ = config(LEGACY, "gateway", CODE)
    (tmp_path / "old.yaml").write_text(LEGACY)
    (tmp_path / "new.yaml").write_text(new)
    loaded = _load_gateway_config(tmp_path / "new.yaml")
    assert loaded.endpoints[0].name == "chat"
    with pytest.raises(Exception):  # noqa: B017 - MLflow raises its own exception type
        _load_gateway_config(tmp_path / "old.yaml")
