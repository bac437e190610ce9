from .conftest import SECRET


def test_fresh_deploy_is_ready(harness, fake):
    rc = harness()
    print(harness.text)
    assert rc == 0, harness.text
    assert "Ready           True" in harness.text
