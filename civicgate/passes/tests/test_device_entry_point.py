"""The production entry point (civicgate.wsgi) serves device calls through the short chain.

These call the WSGI application itself, as gunicorn does, not Django's test client (which
always builds the full middleware chain). The application closes the database connection
after each request, as in production, so these tests run outside a wrapping transaction.
"""

import io
import json
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from civicgate.audit.chain import verify_chain
from civicgate.audit.models import AuditRecord, ChainHead
from civicgate.devices.actions import revoke_device
from civicgate.devices.models import Device
from civicgate.passes.models import GatePass, GateScan
from civicgate.passes.tests.test_scan_support import scanner

SHARED_FIXTURES = (scanner,)

Scanner = tuple[Device, str]


def _call(
    method: str, path: str, body: dict[str, Any] | None = None, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    from civicgate.wsgi import application

    data = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **headers,
    }
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], *args: Any) -> None:
        seen["status"] = int(status.split()[0])
        seen["headers"] = {name.lower(): value for name, value in response_headers}

    # The request's language (LocaleMiddleware) must not outlive it in this test's thread.
    with translation.override(None):
        content = b"".join(application(environ, start_response))
    return seen["status"], seen["headers"], content


def _scan(token: str, code: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    body = {
        "scan_id": str(uuid.uuid4()),
        "code": code,
        "direction": "in",
        "scanned_at": timezone.now().isoformat(),
    }
    return _call(
        "POST", "/api/v1/gate/scans", body, HTTP_AUTHORIZATION=f"Bearer {token}", **headers
    )


@pytest.mark.django_db(transaction=True)
def test_a_turnstile_scan_is_decided_without_the_browser_middleware(
    make_pass: Callable[..., GatePass], scanner: Scanner
) -> None:
    gate_pass = make_pass()

    status, headers, content = _scan(scanner[1], gate_pass.token)

    assert status == 200
    assert json.loads(content)["decision"] == "allow"
    assert GateScan.objects.get(gate_pass=gate_pass).reason == "ok"
    # No session, CSRF or clickjacking middleware ran: nothing a browser would need.
    assert "set-cookie" not in headers
    assert "x-frame-options" not in headers
    assert "cookie" not in headers.get("vary", "").lower()


@pytest.mark.django_db(transaction=True)
def test_a_device_asking_for_bengali_gets_the_message_in_bengali(
    make_pass: Callable[..., GatePass], scanner: Scanner
) -> None:
    status, _headers, content = _scan(scanner[1], make_pass().token, HTTP_ACCEPT_LANGUAGE="bn")

    assert status == 200
    assert json.loads(content)["message"] == "প্রবেশের অনুমতি দেওয়া হয়েছে।"


@pytest.mark.django_db(transaction=True)
def test_a_revoked_device_is_refused_on_the_short_chain_too(
    make_pass: Callable[..., GatePass], scanner: Scanner
) -> None:
    device, token = scanner
    revoke_device(device, actor="t", reason="Handheld lost")

    status, _headers, content = _scan(token, make_pass().token)

    assert status == 401
    assert json.loads(content)["error"] == "unauthorized"
    assert not GateScan.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_pages_for_people_keep_the_full_middleware() -> None:
    status, headers, _content = _call("GET", "/accounts/login/")

    assert status == 200
    assert "csrftoken=" in headers.get("set-cookie", "")
    assert headers["x-frame-options"] == "DENY"


@pytest.mark.django_db(transaction=True)
def test_the_web_chat_takes_its_own_short_chain(settings: Any) -> None:
    from civicgate.wsgi import application

    assert application.routes["/api/v1/chat/messages"].middleware == settings.CHAT_API_MIDDLEWARE

    status, headers, content = _call("POST", "/api/v1/chat/messages", {"text": "hello"})

    assert status == 200
    assert json.loads(content)["conversation"]
    # The clickjacking middleware of the full chain did not run.
    assert "x-frame-options" not in headers


def _scan_with_id(token: str, code: str, scan_id: str) -> tuple[int, dict[str, str], bytes]:
    body = {
        "scan_id": scan_id,
        "code": code,
        "direction": "in",
        "scanned_at": timezone.now().isoformat(),
    }
    return _call("POST", "/api/v1/gate/scans", body, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.django_db(transaction=True)
def test_an_allowed_scan_on_postgresql_is_two_statements_and_its_own_transaction(
    make_pass: Callable[..., GatePass], scanner: Scanner
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes a scan in a transaction of its own statements.")
    gate_pass = make_pass()
    _scan(scanner[1], make_pass().token)  # the connection's statements prepared

    statements: list[str] = []

    def seen(execute: Any, sql: str, *args: Any) -> Any:
        statements.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(seen), CaptureQueriesContext(connection) as queries:
        status, _headers, content = _scan(scanner[1], gate_pass.token)

    assert (status, json.loads(content)["decision"]) == (200, "allow")
    # The device with the pass it names, then the pass moved, the scan and its audit record at
    # once: no BEGIN or COMMIT, no health-check SELECT 1 on the kept connection.
    assert len(queries.captured_queries) == len(statements) == 2, queries.captured_queries
    assert '"passes_gatepass" p' in statements[0]
    assert statements[1].startswith("WITH changed AS (UPDATE")
    gate_pass.refresh_from_db()
    assert (gate_pass.state, gate_pass.entries) == (GatePass.State.INSIDE, 1)
    record = AuditRecord.objects.get(action="passes.scan_allowed", object_id=gate_pass.code)
    assert record.seq == ChainHead.objects.get().seq
    assert verify_chain() == (AuditRecord.objects.count(), [])


@pytest.mark.django_db(transaction=True)
def test_a_repeated_scan_id_outside_a_transaction_gets_the_first_answer(
    make_pass: Callable[..., GatePass], scanner: Scanner
) -> None:
    gate_pass = make_pass()
    scan_id = str(uuid.uuid4())

    first = _scan_with_id(scanner[1], gate_pass.token, scan_id)
    again = _scan_with_id(scanner[1], gate_pass.token, scan_id)

    assert first[0] == again[0] == 200
    assert json.loads(again[2]) == json.loads(first[2])
    assert GateScan.objects.count() == 1
    assert AuditRecord.objects.filter(action="passes.scan_allowed").count() == 1
    gate_pass.refresh_from_db()
    assert gate_pass.entries == 1
    assert verify_chain() == (AuditRecord.objects.count(), [])


@pytest.mark.django_db(transaction=True)
def test_a_connection_that_died_while_idle_still_gets_the_scan_decided(
    make_pass: Callable[..., GatePass], scanner: Scanner
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no connection to lose.")
    first, second = make_pass(), make_pass()
    assert _scan(scanner[1], first.token)[0] == 200
    # Kept for the next request, as in production (CONN_MAX_AGE).
    backend = connection.connection.info.backend_pid
    with psycopg.connect(connection.connection.info.dsn, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])

    status, _headers, content = _scan(scanner[1], second.token)

    assert (status, json.loads(content)["decision"]) == (200, "allow")
    assert connection.connection.info.backend_pid != backend
    connection.close()
