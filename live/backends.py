"""The real backends the live flows talk to, from Debian's packages: PostgreSQL (JDBC IN/OUT/LOOKUP).

`python3 dev.py nifi backends` installs PostgreSQL when it is missing (apt-get, as root),
starts the machine's cluster, and creates a role and database for the live tests with a
generated password; `build/live-nifi/backends.json` says how to reach them. It also installs
the headless Chromium that renders every generated flow.svg in the tests (tests/test_picture.py),
and fetches the Groovy and protobuf-java jars the examples' mapping scripts run on in
tests/test_mapping_scripts.py. Redis and
RabbitMQ are not installed: NiFi's Redis and AMQP NARs are not served by this project's
Maven registry, so no NiFi component here could talk to them (README, "Live NiFi").
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path

from .distribution import BUILD

STATE = BUILD / "backends.json"
ROLE = DATABASE = "nifi_live"


def _run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


def _as_postgres(*args: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else ["sudo", "-u", "postgres", *args]


def _apt_install(package: str, log) -> None:
    log(f"backends: installing {package} from Debian's packages")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-q", package], check=True, env=env, capture_output=True)


def _install_postgres(log) -> None:
    if shutil.which("pg_lsclusters"):
        return
    if os.geteuid() != 0:
        raise SystemExit("PostgreSQL is not installed; as root: apt-get install -y postgresql")
    _apt_install("postgresql", log)


# The browsers tests/test_picture.py looks for, in its order; Debian's smallest is the headless shell.
BROWSERS = ("chromium-headless-shell", "chromium", "google-chrome")


def browser(log=print) -> None:
    """A headless Chromium for the picture test; without root the test says the browser is missing instead."""
    if any(shutil.which(name) for name in BROWSERS):
        return
    if os.geteuid() != 0:
        log("backends: no headless Chromium (as root: apt-get install -y chromium-headless-shell); "
            "the picture test falls back to a strict SVG parse")
        return
    _apt_install("chromium-headless-shell", log)


def _cluster() -> tuple[str, str, int, str]:
    """(version, name, port, status) of the machine's first PostgreSQL cluster."""
    lines = _run("pg_lsclusters", "--no-header").stdout.strip().splitlines()
    if not lines:
        raise SystemExit("PostgreSQL is installed but has no cluster (pg_createcluster <version> main)")
    version, name, port, status = re.split(r"\s+", lines[0])[:4]
    return version, name, int(port), status


def postgres(log=print) -> dict:
    _install_postgres(log)
    version, name, port, status = _cluster()
    if status != "online":
        _run("pg_ctlcluster", version, name, "start")
    password = secrets.token_urlsafe(18)
    exists = _run(*_as_postgres("psql", "-p", str(port), "-tAc", f"SELECT 1 FROM pg_roles WHERE rolname='{ROLE}'"))
    verb = "ALTER" if exists.stdout.strip() == "1" else "CREATE"
    _run(*_as_postgres("psql", "-p", str(port), "-c", f"{verb} ROLE {ROLE} LOGIN PASSWORD '{password}'"))
    has_db = _run(*_as_postgres("psql", "-p", str(port), "-tAc",
                                f"SELECT 1 FROM pg_database WHERE datname='{DATABASE}'"))
    if has_db.stdout.strip() != "1":
        _run(*_as_postgres("createdb", "-p", str(port), "-O", ROLE, DATABASE))
    log(f"backends: PostgreSQL {version} on 127.0.0.1:{port}, database {DATABASE}")
    return {"url": f"jdbc:postgresql://127.0.0.1:{port}/{DATABASE}", "host": "127.0.0.1", "port": port,
            "database": DATABASE, "user": ROLE, "password": password, "driver": "org.postgresql.Driver"}


# What tests/test_mapping_scripts.py runs the examples' Groovy mapping scripts with (its JARS).
SCRIPT_ARTIFACTS = ("org.apache.groovy:groovy:4.0.26", "org.apache.groovy:groovy-json:4.0.26",
                    "com.google.protobuf:protobuf-java:3.25.6")


def script_jars(log=print) -> None:
    """The jars of the mapping-script test, into the local Maven repository (without Maven, the test skips)."""
    maven = shutil.which("mvn")
    if maven is None:
        log("backends: no Maven; the mapping-script test will skip")
        return
    for artifact in SCRIPT_ARTIFACTS:
        subprocess.run([maven, "-q", "-B", "dependency:get", f"-Dartifact={artifact}", "-Dtransitive=false"],
                       check=True, capture_output=True)


def up(log=print) -> dict:
    browser(log)
    script_jars(log)
    state = {"postgres": postgres(log)}
    STATE.parent.mkdir(parents=True, exist_ok=True)
    STATE.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    STATE.chmod(0o600)
    return state


def load() -> dict | None:
    return json.loads(STATE.read_text()) if Path(STATE).exists() else None
