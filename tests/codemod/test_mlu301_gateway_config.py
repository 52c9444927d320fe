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


def test_new_keys_under_old_top_level_routes_fixed():
    """Half-migrated: entries already say `endpoint_type`, the top level still says `routes:` (which MLflow 3
    reads as traffic-split routes)."""
    half = LEGACY.replace("route_type:", "endpoint_type:")
    new, findings = config(half, "gateway", CODE)
    assert new == half.replace("routes:", "endpoints:")
    assert [(f.line, f.fixable) for f in findings] == [(2, True)]


def test_3x_traffic_routes_untouched():
    text = ("endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    model: {provider: openai, name: x}\n"
            "routes:\n  - name: split\n    task_type: llm/v1/chat\n    destinations:\n"
            "      - {name: a, traffic_percentage: 100}\n")
    new, findings = config(text, "gateway", CODE)
    assert new == text and findings == []


def test_routes_and_endpoints_both_present_is_a_finding():
    text = LEGACY + "endpoints:\n  - name: b\n    endpoint_type: llm/v1/chat\n"
    text = text.replace("route_type:", "endpoint_type:")
    new, findings = config(text, "gateway", CODE)
    assert new == text and [(f.line, f.fixable) for f in findings] == [(2, False)]
