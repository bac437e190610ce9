"""The Maven calls that fetch NiFi's published artifacts (Maven resolves versions and caches in ~/.m2)."""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

GROUP = "org.apache.nifi"
# The plugin version is pinned so that a run resolves the same way on every machine.
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"


@dataclass(frozen=True)
class MavenResult:
    ok: bool
    log: str


def find_maven() -> str | None:
    return shutil.which("mvn")


def _run(args: list[str], cwd: Path | None = None) -> MavenResult:
    mvn = find_maven()
    if mvn is None:
        return MavenResult(False, "mvn not found")
    result = subprocess.run([mvn, "-B", "-q", *args], check=False, cwd=cwd, capture_output=True, text=True)
    log = (result.stdout + result.stderr).strip()
    return MavenResult(result.returncode == 0, log)


def copy_artifact(coordinate: str, out_dir: Path) -> MavenResult:
    """Download one artifact (`group:artifact:version[:type[:classifier]]`) into out_dir, no transitives."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return _run([f"{DEPENDENCY_PLUGIN}:copy", f"-Dartifact={coordinate}", f"-DoutputDirectory={out_dir}",
                 "-Dmdep.overWriteIfNewer=true", "-Dtransitive=false"])


def copy_dependencies(pom: Path, out_dir: Path) -> MavenResult:
    """Resolve a generated pom's runtime dependencies (with transitives, NiFi's scopes applied) into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return _run(["-f", str(pom), f"{DEPENDENCY_PLUGIN}:copy-dependencies", f"-DoutputDirectory={out_dir}",
                 "-DincludeScope=runtime"], cwd=pom.parent)


def missing_lines(log: str) -> str:
    """The lines of a Maven failure that name what could not be resolved."""
    keep = [line.strip() for line in log.splitlines()
            if "Could not" in line or "not found" in line or "Missing" in line or "Failed to" in line]
    return "; ".join(dict.fromkeys(keep))[:800] or log[-800:]
