"""Bad input never gets a 500: schemathesis generates requests (valid and invalid) from the
gateway's own OpenAPI document and sends them to the running platform as a verified citizen,
so validation beyond authentication is reached too. (Its pytest plugin does not run on our
pytest, so the operations are driven with hypothesis directly.)"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from gongnon_infra.cluster import Cluster
from tests.support import Gateway

EXAMPLES_PER_OPERATION = 15


async def test_no_endpoint_answers_bad_input_with_a_server_error(cluster: Cluster, gw: Gateway) -> None:
    token = (await gw.citizen("퍼저")).token
    schema = schemathesis.openapi.from_url(f"{cluster.gateway_url}/openapi.json")
    # The test clock would move time for every other test sharing the platform.
    schema = schema.exclude(path_regex="/_test/")
    failures: list[str] = []
    operations = 0

    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
        def exercise(case: Any) -> None:
            case.call_and_validate(
                base_url=cluster.gateway_url,
                headers={"Authorization": f"Bearer {token}"},
                checks=[not_a_server_error],
            )

        try:
            await _in_thread(exercise)
        except (Exception, BaseExceptionGroup) as exc:  # collect every failing operation
            failures.append(f"{operation.label}: {str(exc)[:600]}")

    assert operations > 10
    assert not failures, "\n\n".join(failures)


async def _in_thread(fn: Any) -> None:
    # schemathesis calls the API synchronously; keep the test's event loop free meanwhile.
    import asyncio

    await asyncio.get_running_loop().run_in_executor(None, fn)
