"""The upload kata's reference documents its API: a client nobody here wrote (schemathesis) reads the OpenAPI
document the reference serves, sends what it describes, and finds every answer documented."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import SerializationNotPossible
from schemathesis.specs.openapi import checks

from dojo import manifest
from dojo.kinds.http.served import Served, serving
from dojo.trusted.process import WorkerPool
from dojo.trusted.proxy import KataProxy
from dojo.trusted.submissions import Implementation

EXAMPLES = 50  # per operation and kind of case (valid, invalid)
# No server error, no undocumented status code, media type or header, no body that breaks its schema. (Left out:
# negative_data_rejection, which takes a file part whose bytes spell a number for "not a string".)
CHECKS = [not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_headers_conformance, checks.response_schema_conformance]


@pytest.fixture(scope="module")
def reference() -> Iterator[Served]:
    """The reference app, served by uvicorn in a worker on a free port of 127.0.0.1, as learners' apps are."""
    pool = WorkerPool(Implementation.parse("solutions"))
    try:
        with serving(KataProxy(pool, manifest.get("file_upload"))) as served:
            yield served
    finally:
        pool.close()


def fuzz(reference: Served, session: requests.Session, operation: schemathesis.APIOperation, mode: GenerationMode,
         stored: list[str]) -> Counter[int]:
    """Send EXAMPLES cases of one kind to one operation, check every answer, and count the statuses; the ids of
    successful uploads go to `stored`, and GET and DELETE also meet those files."""
    cases = operation.as_strategy(generation_mode=mode)
    if "file_id" in operation.path and stored:
        cases |= st.sampled_from(stored).flatmap(lambda file_id: operation.as_strategy(
            generation_mode=mode, path_parameters={"file_id": file_id}))
    statuses: Counter[int] = Counter()

    @given(case=cases)
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        try:
            response = case.call(base_url=reference.base_url, session=session)
        except SerializationNotPossible:  # an invalid case with no bytes for a file part: never sent
            reject()
        statuses[response.status_code] += 1
        if response.status_code == 201:
            stored.append(response.json()["id"])
        case.validate_response(response, checks=CHECKS)

    check()
    return statuses


def test_every_answer_of_the_reference_is_documented_and_uploads_succeed(reference: Served) -> None:
    schema = schemathesis.openapi.from_url(f"{reference.base_url}/openapi.json")
    statuses: dict[tuple[str, str], Counter[int]] = {}
    stored: list[str] = []
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment: the app is on this machine
        for operation in (found.ok() for found in schema.get_all_operations()):  # POST /files comes first
            # Only the upload has invalid forms to send: a plain string in the path has none.
            for mode in GenerationMode if operation.body else [GenerationMode.POSITIVE]:
                statuses[operation.label, mode.value] = fuzz(reference, session, operation, mode, stored)
    assert statuses["POST /files", "positive"][201] > 0, f"no upload succeeded: {statuses}"
