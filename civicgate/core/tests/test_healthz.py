"""/healthz tells a load balancer whether this server can reach its database."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_it_answers_ok_when_the_database_answers(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_it_answers_503_and_says_why_when_the_database_fails(client: Client) -> None:
    broken = mock.MagicMock()
    broken.__enter__.return_value.execute.side_effect = OperationalError("connection refused")

    with mock.patch("civicgate.core.views.connection.cursor", return_value=broken):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "detail": "OperationalError"}


def test_it_needs_no_sign_in_and_sets_no_cookie(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert not response.cookies


def test_it_only_answers_get(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
