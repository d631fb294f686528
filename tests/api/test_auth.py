"""Who may call: a live API token or a signed-in session (CSRF-checked); nobody else."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from candour.organisations.models import ApiToken
from tests.api.conftest import Api
from tests.conftest import sign_in


def test_it_accepts_a_valid_token(as_alice):
    assert as_alice.get("/cases").status_code == 200


def test_it_refuses_a_request_without_credentials(db, client):
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_refuses_an_unsigned_post_with_401_not_a_csrf_error(db):
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/cases", "{}", content_type="application/json"
    )
    assert response.status_code == 401


def test_it_refuses_a_wrong_token(alice):
    response = Api(token="cdr_not-a-real-token").get("/cases")
    assert response.status_code == 401
    assert "not valid" in response.json()["detail"]


def test_it_refuses_a_revoked_token(alice):
    record, token = ApiToken.issue(alice, "revoked")
    record.revoked_at = timezone.now()
    record.save()
    assert Api(token=token).get("/cases").status_code == 401


def test_a_wrong_token_does_not_fall_back_to_the_session(alice):
    api = Api(token="cdr_wrong")
    sign_in(api.client, alice)
    assert api.get("/cases").status_code == 401


def test_it_refuses_the_token_of_a_deactivated_user(alice):
    _, token = ApiToken.issue(alice, "old")
    alice.is_active = False
    alice.save()
    assert Api(token=token).get("/cases").status_code == 401


def test_it_records_when_a_token_was_last_used_at_most_once_a_minute(alice, frozen):
    record, token = ApiToken.issue(alice, "integration")
    api = Api(token=token)
    api.get("/cases")
    record.refresh_from_db()
    first = record.last_used_at
    assert first == timezone.now()

    frozen.shift(timedelta(seconds=30))
    api.get("/cases")
    record.refresh_from_db()
    assert record.last_used_at == first

    frozen.shift(timedelta(seconds=31))
    api.get("/cases")
    record.refresh_from_db()
    assert record.last_used_at == timezone.now()


def test_a_session_verified_with_the_second_factor_may_read(alice):
    client = sign_in(Client(), alice)
    assert client.get("/api/v1/cases").status_code == 200


def test_a_password_only_session_is_not_signed_in(alice):
    client = Client()
    client.force_login(alice)
    assert client.get("/api/v1/cases").status_code == 401


def test_a_session_post_without_the_csrf_token_is_refused(alice):
    client = sign_in(Client(enforce_csrf_checks=True), alice)
    response = client.post("/api/v1/cases", "{}", content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_session_post_with_the_csrf_token_is_accepted(alice, frozen):
    from tests.api.conftest import complaint_body

    client = sign_in(Client(enforce_csrf_checks=True), alice)
    secret = "a" * 32
    client.cookies["csrftoken"] = secret
    response = client.post(
        "/api/v1/cases",
        complaint_body(),
        content_type="application/json",
        headers={"X-CSRFToken": secret},
    )
    assert response.status_code == 201, response.content
