"""Start, wait for, authorise and stop one NiFi instance of an assembled distribution.

An instance is a working directory (conf/, logs/, repositories) beside the distribution. It
is launched the way NiFi's bootstrap launches it (`StandardProcessBuilderProvider` at the
release tag: `java --class-path lib/*:conf -D<properties> org.apache.nifi.NiFi`), on loopback
HTTPS, with a fresh CA, server and client certificate and a generated sensitive-properties
key. `connection.json` in the instance says how to reach it.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from . import state
from .distribution import BUILD, Assembly
from .render import render
from .tls import ADMIN_DN, make_tls

HOST = "127.0.0.1"
# From nifi-resources' bootstrap.conf at the release tag (heap, headless, restricted headers).
JAVA_ARGS = (
    "-Xms512m", "-Xmx1g", "-Djava.awt.headless=true", "-Dsun.net.http.allowRestrictedHeaders=true",
    "-Djava.protocol.handler.pkgs=sun.net.www.protocol", "-Djavax.security.auth.useSubjectCredsOnly=true",
    "-Dcurator-log-only-first-connection-issue-as-error-level=true",
)


@dataclass(frozen=True)
class Connection:
    """How a client reaches a running instance (written to `<instance>/connection.json`)."""

    url: str
    ca: str
    cert: str
    key: str
    pid: int
    version: str
    instance: str
    admin: str = ADMIN_DN

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.ca)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client(self, timeout: float = 30.0) -> httpx.Client:
        return httpx.Client(base_url=f"{self.url}/nifi-api", verify=self.ssl_context(), timeout=timeout)

    def save(self) -> None:
        state.save(self, Path(self.instance, "connection.json"))

    @classmethod
    def load(cls, instance: Path) -> Connection | None:
        return state.load(cls, instance / "connection.json")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def instance_dir(name: str = "default") -> Path:
    return BUILD / "instances" / name


def _write_conf(instance: Path, assembly: Assembly, https_port: int) -> None:
    conf = instance / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    tls = make_tls(conf / "tls")
    home = Path(assembly.home)
    values = {"version": assembly.version, "host": HOST, "https_port": https_port, "tls": tls,
              "lib_dir": home / "lib", "nar_work_dir": instance / "work" / "nar",
              # NiFi refuses to start without a sensitive-properties key of 12+ characters.
              "sensitive_props_key": secrets.token_urlsafe(24), "admin": ADMIN_DN}
    for name in ("nifi.properties", "authorizers.xml", "state-management.xml", "logback.xml"):
        (conf / name).write_text(render(f"{name}.j2", **values))
    (conf / "login-identity-providers.xml").write_text("<loginIdentityProviders/>\n")


def _command(java: Path, assembly: Assembly, instance: Path, management_port: int) -> list[str]:
    lib = Path(assembly.home) / "lib"
    class_path = [str(p) for p in sorted(lib.glob("*.jar"))] + [str(instance / "conf")]
    return [str(java), "--class-path", os.pathsep.join(class_path),
            f"-Dorg.apache.nifi.bootstrap.config.log.dir={instance / 'logs'}",
            f"-Dnifi.properties.file.path={instance / 'conf' / 'nifi.properties'}",
            f"-Dorg.apache.nifi.management.server.address={HOST}:{management_port}",
            *JAVA_ARGS, "org.apache.nifi.NiFi"]


def log_tail(instance: Path, lines: int = 40) -> str:
    out = []
    for name in ("stdout.log", "nifi-app.log"):
        path = instance / "logs" / name
        if path.exists():
            text = path.read_text(errors="replace").splitlines()
            out.append(f"--- {path} (last {lines} lines)\n" + "\n".join(text[-lines:]))
    return "\n".join(out)


def start(java: Path, assembly: Assembly, name: str = "default", timeout: float = 600.0, log=print) -> Connection:
    """Start a fresh instance and return once its REST API answers and the admin may edit the flow."""
    instance = instance_dir(name)
    existing = Connection.load(instance)
    if existing and _alive(existing.pid):
        stop(existing)
    if instance.exists():
        shutil.rmtree(instance)
    (instance / "logs").mkdir(parents=True)
    https_port, management_port = free_port(), free_port()
    _write_conf(instance, assembly, https_port)
    started = time.monotonic()
    with open(instance / "logs" / "stdout.log", "wb") as out:
        process = subprocess.Popen(_command(java, assembly, instance, management_port), cwd=instance, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    tls = instance / "conf" / "tls"
    connection = Connection(f"https://{HOST}:{https_port}", str(tls / "ca.pem"), str(tls / "client.pem"),
                            str(tls / "client-key.pem"), process.pid, assembly.version, str(instance))
    connection.save()
    _wait_until_up(connection, process, started + timeout, instance)
    log(f"live NiFi {assembly.version}: up at {connection.url} in {time.monotonic() - started:.0f} s "
        f"(pid {process.pid}, instance {instance})")
    grant_admin(connection)
    return connection


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _wait_until_up(connection: Connection, process: subprocess.Popen, deadline: float, instance: Path) -> None:
    with connection.client(timeout=10) as client:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"NiFi exited with {process.returncode} while starting\n{log_tail(instance)}")
            try:
                if client.get("/flow/about").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                stop(connection)
                raise SystemExit(f"NiFi did not answer within the start timeout\n{log_tail(instance)}")
            time.sleep(2)


# What the initial admin of FileAccessPolicyProvider lacks on a new flow (it grants the root
# group's policies only when a flow file already exists: FileAccessPolicyProvider.populateInitialAdmin).
def _admin_resources(root: str) -> list[tuple[str, str]]:
    per_group = [f"/process-groups/{root}", f"/data/process-groups/{root}", f"/provenance-data/process-groups/{root}",
                 f"/operation/process-groups/{root}"]
    shared = ["/parameter-contexts", "/provenance", "/system", "/counters"]
    return [(action, resource) for resource in per_group + shared for action in ("read", "write")
            if not (resource.startswith(("/provenance", "/system")) and action == "write")]


def grant_admin(connection: Connection) -> None:
    """Give the admin what an operator gives it after install: the root group, data, provenance."""
    with connection.client() as client:
        root = client.get("/flow/process-groups/root").raise_for_status().json()["processGroupFlow"]["id"]
        users = client.get("/tenants/users").raise_for_status().json()["users"]
        admin = next(u["id"] for u in users if u["component"]["identity"] == connection.admin)
        for action, resource in _admin_resources(root):
            existing = client.get(f"/policies/{action}{resource}")
            if existing.status_code == 200 and existing.json()["component"]["resource"] == resource:
                policy = existing.json()
                user_ids = {u["id"] for u in policy["component"].get("users", [])}
                if admin in user_ids:
                    continue
                policy["component"]["users"] = [*policy["component"].get("users", []), {"id": admin}]
                client.put(f"/policies/{policy['id']}", json={"revision": policy["revision"],
                                                               "component": policy["component"]}).raise_for_status()
                continue
            body = {"revision": {"version": 0}, "component": {"action": action, "resource": resource,
                                                              "users": [{"id": admin}], "userGroups": []}}
            client.post("/policies", json=body).raise_for_status()


def stop(connection: Connection, timeout: float = 60.0) -> None:
    """SIGTERM runs NiFi's shutdown hook (a graceful stop); SIGKILL only if it hangs."""
    if not _alive(connection.pid):
        return
    os.killpg(connection.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(connection.pid) and time.monotonic() < deadline:
        try:
            os.waitpid(connection.pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.5)
    if _alive(connection.pid):
        os.killpg(connection.pid, signal.SIGKILL)
