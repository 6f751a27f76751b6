"""Property-based fuzzing of the OpenAPI spec (schemathesis) against the real server:
no 5xx, and every response matches the schema and status codes the spec documents."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.config import SchemathesisConfig
from schemathesis.openapi import from_url

EXAMPLES_PER_ROUTE = 30
# A schema-valid filter may name no indexed document or part: a 422 naming the accepted values
# (the spec documents it), which only the index can tell, not the schema.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
CONFIG = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}}})


def test_every_route_conforms_to_its_spec(server: str) -> None:
    schema = from_url(f"{server}/openapi.json", config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert {operation.label for operation in operations} >= {"POST /api/ask", "GET /api/search", "POST /api/documents"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_ROUTE,
            deadline=None,
            database=None,
            derandomize=True,  # the same cases every run: CI stays reproducible
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case: Case) -> None:
            response = case.call_and_validate()
            if response.status_code == 422 and case.meta and case.meta.generation.mode.is_positive:
                assert "inconnu" in response.json()["detail"], response.text  # only an unknown filter

        conforms()
