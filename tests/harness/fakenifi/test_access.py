"""access.py: login over HTTPS only, the bearer cookie, CSRF for cookie-carrying writes, client certificates."""
from . import Fake

WRITE = ("POST", "/controller/registry-clients")
BODY = {"revision": {"version": 0}, "component": {"name": "r", "type": "t", "properties": {}}}


def login(fake: Fake, **kw):
    return fake.raw_call("POST", "/access/token", form={"username": "admin", "password": "pw"}, **kw)


def test_login_needs_https_and_valid_credentials():
    fake = Fake(users={"admin": "pw"})
    assert login(fake, secure=False)[0] == 409  # AccessResource: "Access tokens are only issued over HTTPS."
    status, _, body = fake.raw_call("POST", "/access/token", form={"username": "admin", "password": "no"})
    assert (status, body) == (400, b"The supplied username and password are not valid.")
    assert Fake().raw_call("POST", "/access/token", form={"username": "a", "password": "b"})[0] == 409  # no provider


def test_login_answers_the_token_and_sets_the_bearer_cookie_for_the_host():
    fake = Fake(users={"admin": "pw"})
    status, headers, body = login(fake)
    assert status == 201 and body.startswith(b"eyJ.")
    cookies = [v for k, v in headers if k == "Set-Cookie"]
    assert cookies == [(f"__Secure-Authorization-Bearer={body.decode()}; Path=/; Domain=nifi.example.test; Secure; "
                       "HttpOnly; SameSite=Strict")]


def test_bearer_header_without_cookie_is_not_csrf_checked():
    fake = Fake(users={"admin": "pw"})
    token = login(fake)[2].decode()
    assert fake.call(*WRITE, json_body=BODY, headers={"Authorization": f"Bearer {token}"})[0] == 201
    assert fake.call("GET", "/flow/status")[0] == 401
    assert fake.call("GET", "/flow/status", headers={"Authorization": "Bearer eyJ.forged"})[0] == 401


def test_a_write_carrying_the_bearer_cookie_needs_the_request_token():
    fake = Fake(users={"admin": "pw"})
    token = login(fake)[2].decode()
    cookie = {"Cookie": f"__Secure-Authorization-Bearer={token}"}
    # A GET is not CSRF-checked, and its answer sets the request-token cookie.
    status, headers, _ = fake.raw_call("GET", "/flow/status", headers=cookie)
    assert status == 200
    csrf = next(v for k, v in headers if k == "Set-Cookie").split(";")[0].split("=", 1)[1]
    assert fake.call(*WRITE, json_body=BODY, headers={**cookie, "Authorization": f"Bearer {token}"})[0] == 403
    both = {"Cookie": f"__Secure-Authorization-Bearer={token}; __Secure-Request-Token={csrf}"}
    assert fake.call(*WRITE, json_body=BODY, headers={**both, "Request-Token": "other"})[0] == 403
    assert fake.call(*WRITE, json_body=BODY, headers={**both, "Request-Token": csrf})[0] == 201


def test_client_certificate_authenticates():
    fake = Fake(client_cns={"harness"})
    assert fake.call("GET", "/flow/status", peer="harness")[0] == 200
    assert fake.call("GET", "/flow/status", peer="mallory")[0] == 401
    assert fake.call("GET", "/flow/status")[0] == 401


def test_unsecured_nifi_needs_no_credentials():
    assert Fake().call("GET", "/flow/status", secure=False)[0] == 200
