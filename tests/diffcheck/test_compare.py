"""What diffcheck counts as a difference between two REST answers (pure: no servers)."""

from __future__ import annotations

from mlflow_upgrade.diffcheck.compare import compare_answers


def _diff(old, new, status=(200, 200)):
    return compare_answers("call", (status[0], old), (status[1], new))


def test_identical_answers_have_no_difference() -> None:
    body = {"runs": [{"info": {"run_id": "a"}, "data": {"metrics": [{"key": "m", "value": 1.0}]}}]}
    assert _diff(body, body) == ([], set())


def test_a_field_only_the_target_returns_is_an_addition_listed_once() -> None:
    old = {"experiments": [{"experiment_id": "1"}, {"experiment_id": "2"}]}
    new = {"experiments": [{"experiment_id": "1", "workspace": "default"}, {"experiment_id": "2", "workspace": "w"}]}
    diffs, additions = _diff(old, new)
    assert diffs == []
    assert additions == {"experiments[].workspace"}


def test_a_field_the_target_lost_is_a_difference() -> None:
    diffs, _ = _diff({"run": {"info": {"run_uuid": "a", "run_id": "a"}}}, {"run": {"info": {"run_id": "a"}}})
    assert [(d.path, d.kind) for d in diffs] == [("run.info.run_uuid", "missing")]


def test_values_are_compared() -> None:
    diffs, _ = _diff({"metrics": [{"step": 0, "value": 0.5}]}, {"metrics": [{"step": 0, "value": 0.25}]})
    assert [(d.path, d.kind, d.old, d.new) for d in diffs] == [("metrics[0].value", "value", "0.5", "0.25")]


def test_order_of_results_is_compared() -> None:
    old = {"runs": [{"info": {"run_id": "a"}}, {"info": {"run_id": "b"}}]}
    new = {"runs": [{"info": {"run_id": "b"}}, {"info": {"run_id": "a"}}]}
    diffs, _ = _diff(old, new)
    assert [(d.path, d.kind) for d in diffs] == [("runs", "order")]


def test_key_value_lists_are_maps_without_order() -> None:
    old = {"tags": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]}
    new = {"tags": [{"key": "b", "value": "2"}, {"key": "a", "value": "1"}]}
    assert _diff(old, new) == ([], set())


def test_status_and_error_code_count_not_the_message() -> None:
    same = _diff({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Run 'x' not found"},
                 {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Run with id=x not found"}, (404, 404))
    assert same == ([], set())
    code, _ = _diff({"error_code": "RESOURCE_DOES_NOT_EXIST"}, {"error_code": "INVALID_PARAMETER_VALUE"}, (404, 404))
    assert [d.kind for d in code] == ["error_code"]
    status, _ = _diff({"error_code": "RESOURCE_DOES_NOT_EXIST"}, {"run": {}}, (404, 200))
    assert [(d.kind, d.old, d.new) for d in status] == [("status", "404", "200")]


def test_page_tokens_are_opaque() -> None:
    assert _diff({"next_page_token": "eyJvZmZzZXQiOiAxfQ=="}, {"next_page_token": "b2Zmc2V0PTE="}) == ([], set())
    assert _diff({"runs": [], "next_page_token": ""}, {"runs": []}) == ([], set())
    diffs, _ = _diff({"next_page_token": "abc"}, {"next_page_token": ""})
    assert [(d.kind, d.old, d.new) for d in diffs] == [("page_token", "present", "none")]
    diffs, _ = _diff({"runs": [], "next_page_token": "abc"}, {"runs": []})  # 1.30.1 -> 3.17.2 on a full page
    assert [(d.path, d.kind, d.old, d.new) for d in diffs] == [("next_page_token", "page_token", "present", "none")]


def test_a_list_of_another_length_is_a_difference() -> None:
    diffs, _ = _diff({"files": [{"path": "a"}, {"path": "b"}]}, {"files": [{"path": "a"}]})
    assert [(d.path, d.kind) for d in diffs] == [("files", "length")]
