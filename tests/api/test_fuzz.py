"""Fuzzing: schemathesis generates requests for every operation of the schema the live
server serves, as the PMO, policy staff and a partner (each with a real token), and holds
every answer to the schema: never a server error, only documented status codes, bodies,
headers and content types as documented, schema-invalid input refused, authentication
enforced, unexpected methods refused with 405.

The server is pytest-django's ``live_server``: real HTTP into a real database (PostgreSQL
in CI). Path parameters are drawn mostly from the ids of real rows of the world (the
partner's own and another organization's), so details, updates and actions reach real
objects as well as absent ones. A server error is caught where it happens (Django's
``got_request_exception``), whichever request schemathesis made it with.

schemathesis runs through its Python engine (what its command line drives: the examples,
coverage, fuzzing and stateful phases, with every check), not through its pytest plugin,
whose fixture-based loader does not work with this pytest (it rewrites ``Item._nodeid``,
which pytest 9 no longer has). Reproducible: a fixed seed, derandomized generation, no
example database.

Time (two cores): the PMO, who reaches every validation path, gets every phase (but the
coverage phase of PATCH operations, which repeats their PUT's); policy staff and partners,
refused most writes before their bodies are read, get the examples, fuzzing and stateful
phases.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections import Counter

import pytest
import schemathesis
from django.core.signals import got_request_exception
from knox.models import AuthToken
from schemathesis.engine import Status, events, from_schema

from tests.api.operations import path_parameters
from tests.api.test_permission_matrix import TABLE
from tests.api.world import World, build_world

SEED = 20261123
# Examples per operation in the fuzzing phase; the examples and coverage phases add their
# own deterministic cases.
MAX_EXAMPLES = 8
# How often a path parameter is one of a real row's rather than generated.
REAL_VALUE_PROBABILITY = 0.75
# The operation revoking the token it is called with: each call is made with a spare
# token, so the role's own lives through the whole run.
REVOKES_OWN_TOKEN = "auth_token_revoke"
SPARE_TOKENS = 60
COVERAGE_ROLES = {"pmo"}


@pytest.fixture
def fuzz_world(transactional_db) -> World:
    """Committed, so the live server's own connection sees it; flushed after the test."""
    return build_world()


def _parameter_type(schema: dict, path: str, name: str) -> str:
    for operation in schema["paths"][path].values():
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path" and parameter["name"] == name:
                return parameter["schema"]["type"]
    raise LookupError(f"{path} has no path parameter {name}")


def _parameter_value(obj, name: str, type_: str) -> int | str:
    value = obj.pk if name == "id" else getattr(obj, name)
    return int(value) if type_ == "integer" else str(value)


def _config(world: World, role: str, api_schema: dict) -> schemathesis.Config:
    """The run's configuration: seed, examples, phases, checks, and for each path with
    parameters a dictionary of the world's real values for them."""
    dictionaries: dict[str, dict] = {}
    operations: list[dict] = []
    paths = {path: expect.obj for (_, path), expect in TABLE.items() if expect.obj}
    for path, kind in sorted(paths.items()):
        objects = list(dict.fromkeys(world.rows[kind].values()))
        parameters = {}
        for name in path_parameters(path):
            dictionary = f"{kind}_{name}"
            type_ = _parameter_type(api_schema, path, name)
            dictionaries[dictionary] = {
                "values": [_parameter_value(o, name, type_) for o in objects]
            }
            parameters[f"path.{name}"] = {
                "dictionary": dictionary,
                "probability": REAL_VALUE_PROBABILITY,
            }
        operations.append({"include-path": path, "parameters": parameters})
    # A PATCH takes the same serializer as its PUT, every field optional: the coverage
    # phase's cases for it would repeat the PUT's (a quarter of the run).
    operations.append({"include-method": "PATCH", "phases": {"coverage": {"enabled": False}}})
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            # The live server (Django's development server) answers a kept-alive
            # connection 40 ms late (Nagle's algorithm against delayed ACKs); a fresh
            # connection per request is three times faster.
            "headers": {"Connection": "close"},
            # Hypothesis underneath: derandomized (with the seed, the same cases every
            # run), no example database, and no deadline (schemathesis sets none).
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            "phases": {"coverage": {"enabled": role in COVERAGE_ROLES}},
            "checks": {
                # Unsound here: a schema cannot say which references exist, which state a
                # contract is in, or which dates a programme allows, so a schema-valid
                # request is rightly refused with a 400. Every other check stays on.
                "positive_data_acceptance": {"enabled": False},
            },
            "dictionaries": dictionaries,
            "operations": operations,
        }
    )


def _report(event: events.EngineEvent) -> list[str]:
    """What went wrong in ``event``, as readable blocks; nothing when all is well."""
    if isinstance(event, events.ScenarioFinished) and event.status == Status.FAILURE:
        blocks = []
        for checks in event.recorder.checks.values():
            for check in checks:
                if check.failure_info is None:
                    continue
                failure = check.failure_info.failure
                blocks.append(
                    f"{event.recorder.label}: {failure.code} {failure.title} ({check.name})\n"
                    f"{failure.message}\n{check.failure_info.code_sample}"
                )
        return blocks
    if isinstance(event, events.NonFatalError):
        return [f"{event.label}: error: {event.info.format()}"]
    if isinstance(event, events.FatalError):
        return [f"fatal: {event.exception!r}"]
    if isinstance(event, events.EngineFinished):
        return [f"after the run: {failure.title}\n{failure.message}" for failure in event.failures]
    return []


@pytest.mark.parametrize("role", ["pmo", "policy", "partner"])
def test_every_answer_conforms_to_the_schema(live_server, fuzz_world, api_schema, role):
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}/api/schema/?format=json",
        headers={"Authorization": f"Token {fuzz_world.tokens[role]}"},
        config=_config(fuzz_world, role, api_schema),
    )
    schema.config.base_url = live_server.url

    token = fuzz_world.tokens[role]
    spare = [AuthToken.objects.create(user=fuzz_world.users[role])[1] for _ in range(SPARE_TOKENS)]
    lock = threading.Lock()

    @schema.auth(refresh_interval=None)
    class RoleToken:
        """The role's token; a spare one for the operation revoking the token it is sent."""

        def get(self, case, context) -> str:
            if case.operation.definition.raw.get("operationId") != REVOKES_OWN_TOKEN:
                return token
            with lock:
                return spare.pop() if len(spare) > 1 else spare[0]

        def set(self, case, data: str, context) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}

    crashes: list[str] = []

    def crashed(sender, request, **kwargs) -> None:
        # Whatever schemathesis made of the answer: a probe's or a replay's 500 counts too.
        crashes.append(f"{request.method} {request.get_full_path()}\n{traceback.format_exc()}")

    got_request_exception.connect(crashed)
    started = time.monotonic()
    problems: list[str] = []
    seconds: Counter[str] = Counter()
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                seconds[event.phase.value] += event.elapsed_time
            problems.extend(_report(event))
    finally:
        got_request_exception.disconnect(crashed)
    problems.extend(f"server error: {crash}" for crash in crashes)
    timing = ", ".join(f"{phase} {s:.0f} s" for phase, s in seconds.items())
    assert seconds, "schemathesis ran no scenario"
    assert not problems, (
        f"{len(problems)} problems as {role} ({time.monotonic() - started:.0f} s: {timing}):"
        "\n\n" + "\n\n".join(problems)
    )
