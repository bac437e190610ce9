"""The real backends the live flows talk to, from Debian's packages: PostgreSQL (JDBC IN/OUT/LOOKUP).

`python3 dev.py nifi backends` installs PostgreSQL when it is missing (apt-get, as root),
starts the machine's cluster, and creates a role and database for the live tests with a
generated password; `build/live-nifi/backends.json` says how to reach them. Redis and
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


def _install_postgres(log) -> None:
    if shutil.which("pg_lsclusters"):
        return
    if os.geteuid() != 0:
        raise SystemExit("PostgreSQL is not installed; as root: apt-get install -y postgresql")
    log("backends: installing PostgreSQL from Debian's packages")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "postgresql"], check=True, env=env, capture_output=True)


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


def up(log=print) -> dict:
    state = {"postgres": postgres(log)}
    STATE.parent.mkdir(parents=True, exist_ok=True)
    STATE.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    STATE.chmod(0o600)
    return state


def load() -> dict | None:
    return json.loads(STATE.read_text()) if Path(STATE).exists() else None
