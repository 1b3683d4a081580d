"""The production entry point (civicgate.wsgi) serves device calls through the short chain.

These call the WSGI application itself, as gunicorn does, not Django's test client (which
always builds the full middleware chain). The application closes the database connection
after each request, as in production, so these tests run outside a wrapping transaction.
"""

import io
import json
import threading
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


def _counting_routes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths that went through URL routing (and so the API framework) from now on, in this
    thread (a live server left by a browser test may still answer its page's requests)."""
    from django.core.handlers.base import BaseHandler

    routed: list[str] = []
    resolve = BaseHandler.resolve_request
    this_thread = threading.get_ident()

    def counted(self: BaseHandler, request: Any) -> Any:
        if threading.get_ident() == this_thread:
            routed.append(request.path_info)
        return resolve(self, request)

    monkeypatch.setattr(BaseHandler, "resolve_request", counted)
    return routed


@pytest.mark.django_db(transaction=True)
def test_a_usual_scan_is_answered_as_the_endpoint_answers_it_without_routing(
    make_pass: Callable[..., GatePass], scanner: Scanner, monkeypatch: pytest.MonkeyPatch
) -> None:
    routed = _counting_routes(monkeypatch)
    plain = _scan(scanner[1], make_pass().token, HTTP_ACCEPT_LANGUAGE="hi")
    assert routed == []
    # A key the schema ignores makes the request unusual: the API's endpoint answers it.
    body = {
        "scan_id": str(uuid.uuid4()),
        "code": make_pass().token,
        "direction": "in",
        "scanned_at": timezone.now().isoformat(),
        "battery": 80,
    }
    endpoint = _call(
        "POST",
        "/api/v1/gate/scans",
        body,
        HTTP_AUTHORIZATION=f"Bearer {scanner[1]}",
        HTTP_ACCEPT_LANGUAGE="hi",
    )
    assert routed == ["/api/v1/gate/scans"]

    assert plain[0] == endpoint[0] == 200
    assert plain[1] == endpoint[1]  # the same headers: type, language, vary, security
    assert plain[1]["content-language"] == "hi"
    answers = [json.loads(plain[2]), json.loads(endpoint[2])]
    for answer in answers:  # two passes, made a moment apart
        for key in ("code", "valid_from", "valid_until"):
            answer["pass"].pop(key)
    assert answers[0] == answers[1]
    assert answers[0]["decision"] == "allow"
    assert answers[0]["message"] == "प्रवेश की अनुमति है।"
    assert GateScan.objects.filter(decision="allow").count() == 2
    assert verify_chain() == (AuditRecord.objects.count(), [])


def _unusual_scans(token: str, code: str) -> dict[str, tuple[dict[str, Any], dict[str, str]]]:
    def body(**changed: Any) -> dict[str, Any]:
        usual = {
            "scan_id": str(uuid.uuid4()),
            "code": code,
            "direction": "in",
            "scanned_at": "2026-11-29T10:00:00Z",
        }
        return {**usual, **changed}

    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    return {
        "scan_id not a UUID": (body(scan_id="12345"), bearer),
        "scan_id a number": (body(scan_id=12345), bearer),
        "no offset on the time": (body(scanned_at="2026-11-29T10:00:00"), bearer),
        "a day that does not exist": (body(scanned_at="2026-02-30T10:00:00Z"), bearer),
        "sideways": (body(direction="sideways"), bearer),
        "code too long": (body(code="x" * 2001), bearer),
        "no code": ({k: v for k, v in body().items() if k != "code"}, bearer),
        "another scheme": (body(), {"HTTP_AUTHORIZATION": f"Token {token}"}),
        "no token": (body(), {}),
        "unknown token": (body(), {"HTTP_AUTHORIZATION": "Bearer cgd_" + "x" * 43}),
    }


UNUSUAL_ANSWERS = {
    "scan_id not a UUID": 422,
    "scan_id a number": 422,
    "no offset on the time": 422,
    "a day that does not exist": 422,
    "sideways": 422,
    "code too long": 422,
    "no code": 422,
    "another scheme": 401,
    "no token": 401,
    "unknown token": 401,
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", sorted(UNUSUAL_ANSWERS))
def test_an_unusual_scan_request_gets_the_endpoints_own_answer(
    case: str,
    make_pass: Callable[..., GatePass],
    scanner: Scanner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body, headers = _unusual_scans(scanner[1], make_pass().token)[case]
    routed = _counting_routes(monkeypatch)

    status, _headers, content = _call("POST", "/api/v1/gate/scans", body, **headers)

    assert routed == ["/api/v1/gate/scans"]
    assert status == UNUSUAL_ANSWERS[case]
    assert json.loads(content)["error"] == ("unauthorized" if status == 401 else "invalid")
    assert not GateScan.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_device_the_plain_answer_cannot_take_is_answered_by_the_endpoint(
    make_pass: Callable[..., GatePass], scanner: Scanner, monkeypatch: pytest.MonkeyPatch
) -> None:
    device, token = scanner
    routed = _counting_routes(monkeypatch)
    Device.objects.filter(pk=device.pk).update(direction=Device.Direction.OUT)

    wrong_way = _scan(token, make_pass().token)
    Device.objects.filter(pk=device.pk).update(direction=Device.Direction.BOTH, gate=None)
    nowhere = _scan(token, make_pass().token)

    assert routed == ["/api/v1/gate/scans"] * 2
    assert (wrong_way[0], json.loads(wrong_way[2])["error"]) == (422, "wrong_direction")
    assert (nowhere[0], json.loads(nowhere[2])["error"]) == (422, "no_gate")
    assert not GateScan.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_scan_sent_as_text_is_still_decided(
    make_pass: Callable[..., GatePass], scanner: Scanner, monkeypatch: pytest.MonkeyPatch
) -> None:
    routed = _counting_routes(monkeypatch)

    status, _headers, content = _scan(scanner[1], make_pass().token, CONTENT_TYPE="text/plain")

    assert routed == ["/api/v1/gate/scans"]
    assert (status, json.loads(content)["decision"]) == (200, "allow")


@pytest.mark.django_db(transaction=True)
def test_an_oversize_scan_gets_the_endpoints_json_413(
    scanner: Scanner, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    routed = _counting_routes(monkeypatch)

    status, headers, content = _scan(scanner[1], "x" * 1_500)

    assert routed == ["/api/v1/gate/scans"]
    assert status == 413
    assert headers["content-type"].startswith("application/json")
    assert json.loads(content)["error"] == "too_large"
    assert not GateScan.objects.exists()
