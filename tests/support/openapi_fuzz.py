"""Schemathesis against the real app: every operation of its OpenAPI document, a bounded
number of generated requests each (valid ones and invalid ones), and what the checks found.

Blocking (schemathesis drives the ASGI app in a thread of its own): call ``fuzz`` from a
worker thread in an async test.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from litestar import Litestar
from schemathesis import Case, GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import FailureGroup
from schemathesis.python import asgi

#: no 5xx; every status code, content type and body is one the document lists
CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


@dataclass
class FuzzRun:
    """What to send: ``token`` as the bearer key; ``known`` path parameter values (by name)
    of seeded rows, used by half the generated requests; ``examples`` per operation and
    generation mode; ``excuse`` names the known cause of a 5xx that is fixed elsewhere."""

    token: str
    known: dict[str, str] = field(default_factory=dict)
    examples: int = 20
    excuse: Callable[[Case], str | None] = lambda _: None
    #: (i, n): only the i-th of n slices of the operations (sorted by label), so the run can
    #: be spread over test workers; (0, 1) is all of them
    shard: tuple[int, int] = (0, 1)


@dataclass
class FuzzReport:
    operations: list[str] = field(default_factory=list)
    requests: int = 0
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    excused: Counter[str] = field(default_factory=Counter)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    seconds: float = 0.0
    app_seconds: float = 0.0  # of which waiting for the app's answers

    def summary(self) -> str:
        found = "".join(f"\n  {op}: {title}" for (op, title) in sorted(self.failures))
        errors = "".join(f"\n  {e}" for e in self.server_errors)
        excused = "".join(f"\n  excused 5xx ({n}): {why}" for why, n in self.excused.items())
        return (
            f"{len(self.operations)} operations, {self.requests} requests, "
            f"{len(self.server_errors)} 5xx, {sum(self.excused.values())} excused 5xx, "
            f"{len(self.failures)} distinct failures in {self.seconds:.1f} s "
            f"({self.app_seconds:.1f} s in the app)"
            f"{errors}{found}{excused}"
        )


def _strategy(operation: Any, mode: GenerationMode, known: dict[str, str]) -> Any:
    """Generated cases, and as many again with path parameters the seeded rows have."""
    names = {p.name for p in operation.path_parameters}
    fixed = {name: value for name, value in known.items() if name in names}
    plain = operation.as_strategy(generation_mode=mode)
    if not fixed:
        return plain
    return st.one_of(plain, operation.as_strategy(generation_mode=mode, path_parameters=fixed))


def _check(case: Case, response: Any, run: FuzzRun, report: FuzzReport) -> None:
    label = case.operation.label
    report.requests += 1
    report.statuses[(label, response.status_code)] += 1
    if response.status_code >= 500:
        excuse = run.excuse(case)
        if excuse:
            report.excused[excuse] += 1
            return
        report.server_errors.append(f"{label} -> {response.status_code}: {case.as_curl_command()}")
    load_all_checks()
    checks = [CHECKS.get_one(name) for name in CHECK_NAMES]
    try:
        case.validate_response(response, checks=checks)
    except FailureGroup as group:
        for failure in group.exceptions:
            key = (label, f"{failure.title} [{response.status_code}]")
            report.failures.setdefault(key, f"{failure.message}\n{case.as_curl_command()}")


def _run_operation(
    operation: Any, mode: GenerationMode, client: Any, run: FuzzRun, report: FuzzReport
) -> None:
    headers = {"Authorization": f"Bearer {run.token}"}

    @hypothesis.settings(
        max_examples=run.examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, mode, run.known))
    def each(case: Case) -> None:
        sent = time.perf_counter()
        response = case.call(session=client, headers=headers)
        report.app_seconds += time.perf_counter() - sent
        _check(case, response, run, report)

    try:
        each()
    except hypothesis.errors.Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE, operation.label  # nothing to get wrong


def _label(operation: Any) -> str:
    return str(operation.label)


def fuzz(app: Litestar, run: FuzzRun, schema_path: str = "/schema/openapi.json") -> FuzzReport:
    """Every operation of ``app``'s document, sent to ``app``, valid and invalid requests."""
    report = FuzzReport()
    started = time.perf_counter()
    try:
        schema = schemathesis.openapi.from_asgi(schema_path, app)
        every = sorted((result.ok() for result in schema.get_all_operations()), key=_label)
        index, count = run.shard
        operations = every[index::count]
        report.operations = [operation.label for operation in operations]
        with asgi.get_client(app) as client:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                for operation in operations:
                    _run_operation(operation, mode, client, run, report)
    finally:
        asgi.shutdown_lifespans()
    report.seconds = time.perf_counter() - started
    return report
