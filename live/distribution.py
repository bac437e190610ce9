"""Assemble a NiFi home from Maven: `lib/` jars, the framework NARs and the NARs the catalog names.

The layout follows NiFi's own assembly at the release tag (facts read from
`nifi-assembly/pom.xml` and `nifi-assembly/src/main/assembly/{core,common}.xml`):
`lib/` holds the core jars and every NAR; `conf/` is written per instance by `instance.py`.
NiFi's bootstrap jar is not needed: `instance.py` launches `org.apache.nifi.NiFi` with the
command line the bootstrap builds (`StandardProcessBuilderProvider`).

A NAR is fetched as published. Where Maven serves a release's jars but not its NAR, the NAR
is packed here from those jars exactly as its `*-nar/pom.xml` declares (`PACKED`), with
Maven applying NiFi's own dependency management and provided scopes through the bundle's
parent pom. A NAR that can be had neither way is recorded as missing, with Maven's reason,
so the live tests know which components this NiFi cannot judge.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from . import maven, state
from .render import render

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "live-nifi"

# The newest NiFi 2.x release whose framework this project's Maven registry serves. NiFi 2.11.0
# (the generator's default target) is not served there: `python3 dev.py nifi assemble --version
# 2.11.0` says exactly what is missing, and works unchanged once it is served.
DEFAULT_VERSION = "2.3.0"

# lib/: core.xml's dependency set (per-process-group logging is left out: it is a logback
# appender our logback.xml does not use, and Maven does not serve it for 2.x).
LIB_JARS = (
    "org.slf4j:slf4j-api", "org.slf4j:log4j-over-slf4j", "org.slf4j:jcl-over-slf4j", "org.slf4j:jul-to-slf4j",
    "ch.qos.logback:logback-classic", "ch.qos.logback:logback-core", "org.apache.nifi:nifi-api",
    "org.apache.nifi:nifi-framework-api", "org.apache.nifi:nifi-nar-utils", "org.apache.nifi:nifi-properties",
    "org.apache.nifi:nifi-property-utils", "org.apache.nifi:nifi-python-framework-api",
    "org.apache.nifi:nifi-runtime", "org.apache.nifi:nifi-server-api", "org.apache.nifi:nifi-stateless-api",
)
# Versions the root pom (org.apache.nifi:nifi) manages; the other NiFi jars share NiFi's version.
MANAGED = {"org.slf4j", "ch.qos.logback"} | {"org.apache.nifi:nifi-api"}

# The NARs every NiFi needs to start and serve its REST API (nifi-assembly/pom.xml). The Python
# bridge (py4j) is left out: generated flows use no Python processors.
FRAMEWORK_NARS = (
    "nifi-framework-nar", "nifi-server-nar", "nifi-jetty-nar", "nifi-provenance-repository-nar",
    "nifi-standard-services-api-nar", "nifi-standard-shared-nar",
)


@dataclass(frozen=True)
class PackedNar:
    """A NAR packed from published jars: its bundle's parent pom, its parent NAR, its jar modules."""

    bundle_pom: str
    parent_nar: str
    jars: tuple[str, ...]


# From nifi-extension-bundles/<bundle>/<nar>/pom.xml (identical at rel/nifi-2.3.0 and rel/nifi-2.11.0).
# Left out, because no generated flow uses them and Maven does not serve them for 2.x: the
# standard NAR's flow-analysis rules and parameter providers, UpdateAttribute's advanced-UI war.
PACKED = {
    "nifi-standard-nar": PackedNar("nifi-standard-bundle", "nifi-standard-shared-nar",
                                   ("nifi-standard-processors", "nifi-standard-reporting-tasks")),
    "nifi-update-attribute-nar": PackedNar("nifi-update-attribute-bundle", "nifi-jetty-nar",
                                           ("nifi-update-attribute-processor", "nifi-update-attribute-model",
                                            "nifi-utils")),
}

# NARs the live tests use beside the generated flows: a map cache server and client for
# behaviour checks (a processor blocked on a silent cache server holds its thread).
TEST_NARS = ("nifi-distributed-cache-services-nar",)

JDBC_DRIVERS = ("org.postgresql:postgresql:42.7.14",)


def catalog_nars() -> list[str]:
    """The NARs of every component the generator can emit: a new transport brings its NAR."""
    sys.path.insert(0, str(ROOT / "src"))
    from protoc_gen_nifi import nifi_catalog

    return sorted({component.artifact for component in nifi_catalog.COMPONENTS})


@dataclass
class Assembly:
    """What was assembled, written to `<home>/assembly.json` for the live tests."""

    version: str
    home: str
    nars: dict[str, str] = field(default_factory=dict)      # NAR -> "published" | "packed"
    missing: dict[str, str] = field(default_factory=dict)   # NAR -> why
    drivers: list[str] = field(default_factory=list)
    fingerprint: str = ""

    def save(self) -> None:
        state.save(self, Path(self.home, "assembly.json"))

    @classmethod
    def load(cls, home: Path) -> Assembly | None:
        return state.load(cls, home / "assembly.json")


def home_for(version: str) -> Path:
    return BUILD / f"nifi-{version}"


def _fingerprint(version: str, nars: list[str]) -> str:
    """What decides the distribution's bytes: the release, the NARs, and the code and poms that fetch them."""
    here = Path(__file__).parent
    inputs = [here / "distribution.py", here / "maven.py", *sorted((here / "templates").glob("*.pom.xml.j2"))]
    kit = b"".join(p.read_bytes() for p in inputs)
    return hashlib.sha256(json.dumps([version, nars]).encode() + kit).hexdigest()[:16]


def _stem(jar: str) -> str:
    """`jackson-core-2.18.3.jar` -> `jackson-core` (the artifact, whatever the version)."""
    return re.sub(r"-\d[\w.\-]*\.jar$", "", jar)


def _nar_manifest(nar: Path) -> dict[str, str]:
    with zipfile.ZipFile(nar) as archive:
        text = archive.read("META-INF/MANIFEST.MF").decode()
    return dict(line.split(": ", 1) for line in text.replace("\r\n ", "").splitlines() if ": " in line)


def _bundled_jars(nar: Path) -> set[str]:
    with zipfile.ZipFile(nar) as archive:
        return {_stem(Path(n).name) for n in archive.namelist()
                if n.startswith("META-INF/bundled-dependencies/") and n.endswith(".jar")}


def _write_nar(out: Path, nar_id: str, version: str, parent: str, jars: list[Path]) -> None:
    """A NAR is a jar whose manifest names it and its parent, with its jars under bundled-dependencies."""
    manifest = {"Manifest-Version": "1.0", "Nar-Id": nar_id, "Nar-Group": maven.GROUP, "Nar-Version": version,
                "Nar-Dependency-Group": maven.GROUP, "Nar-Dependency-Id": parent, "Nar-Dependency-Version": version,
                "Clone-During-Instance-Class-Loading": "false", "Created-By": "protoc-gen-nifi live/distribution.py"}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        # Directory entries first: NarUnpacker creates a file's folder only from its directory entry.
        archive.writestr("META-INF/", "")
        archive.writestr("META-INF/MANIFEST.MF", "".join(f"{k}: {v}\r\n" for k, v in manifest.items()) + "\r\n")
        archive.writestr("META-INF/bundled-dependencies/", "")
        for jar in sorted(jars):
            archive.write(jar, f"META-INF/bundled-dependencies/{jar.name}")


class Assembler:
    def __init__(self, version: str, log=print):
        self.version = version
        self.home = home_for(version)
        self.work = BUILD / "work" / version
        self.log = log

    def _published(self, nar: str) -> Path | None:
        target = self.home / "lib" / f"{nar}-{self.version}.nar"
        if target.exists():
            return target
        result = maven.copy_artifact(f"{maven.GROUP}:{nar}:{self.version}:nar", self.home / "lib")
        return target if result.ok and target.exists() else None

    def _packed(self, nar: str, spec: PackedNar, ancestors_jars: set[str]) -> tuple[Path | None, str]:
        target = self.home / "lib" / f"{nar}-{self.version}.nar"
        pom = self.work / nar / "pom.xml"
        pom.parent.mkdir(parents=True, exist_ok=True)
        pom.write_text(render("pack-nar.pom.xml.j2", version=self.version, bundle_pom=spec.bundle_pom, nar=nar,
                              jars=spec.jars))
        jars_dir = self.work / nar / "jars"
        shutil.rmtree(jars_dir, ignore_errors=True)
        result = maven.copy_dependencies(pom, jars_dir)
        if not result.ok:
            return None, maven.missing_lines(result.log)
        # The parent NARs' class loaders already hold these: bundling them again would shadow them.
        jars = [j for j in jars_dir.glob("*.jar") if _stem(j.name) not in ancestors_jars]
        _write_nar(target, nar, self.version, spec.parent_nar, jars)
        return target, ""

    def _lib(self) -> str:
        lib = self.home / "lib"
        pom = self.work / "lib" / "pom.xml"
        pom.parent.mkdir(parents=True, exist_ok=True)
        jars = []
        for coordinate in LIB_JARS:
            group, artifact = coordinate.split(":")
            managed = group in MANAGED or coordinate in MANAGED
            jars.append({"group": group, "artifact": artifact, "version": None if managed else self.version})
        pom.write_text(render("lib.pom.xml.j2", version=self.version, jars=jars))
        result = maven.copy_dependencies(pom, self.work / "lib" / "jars")
        if not result.ok:
            return maven.missing_lines(result.log)
        wanted = {c.split(":")[1] for c in LIB_JARS}
        for jar in (self.work / "lib" / "jars").glob("*.jar"):
            if _stem(jar.name) in wanted:
                shutil.copy2(jar, lib / jar.name)
        return ""

    def assemble(self, force: bool = False) -> Assembly:
        wanted = sorted(set(FRAMEWORK_NARS) | set(catalog_nars()) | set(TEST_NARS))
        fingerprint = _fingerprint(self.version, wanted)
        previous = Assembly.load(self.home)
        if previous and previous.fingerprint == fingerprint and not force:
            self.log(f"live NiFi {self.version}: already assembled in {self.home} (nothing to download)")
            return previous
        if self.home.exists():
            shutil.rmtree(self.home)
        (self.home / "lib").mkdir(parents=True)
        assembly = Assembly(self.version, str(self.home), fingerprint=fingerprint)
        problem = self._lib()
        if problem:
            raise SystemExit(f"live NiFi {self.version}: the core jars cannot be resolved from Maven: {problem}")
        bundled: dict[str, set[str]] = {}
        parents: dict[str, str | None] = {}

        def ancestors(nar: str) -> set[str]:
            jars: set[str] = set()
            parent = parents.get(nar)
            while parent:
                jars |= bundled.get(parent, set())
                parent = parents.get(parent)
            return jars

        def obtain(nar: str) -> bool:
            if nar in assembly.nars:
                return True
            if nar in assembly.missing:
                return False
            path = self._published(nar)
            if path is not None:
                parents[nar] = _nar_manifest(path).get("Nar-Dependency-Id")
                if parents[nar] and not obtain(parents[nar]):
                    assembly.missing[nar] = f"its parent NAR {parents[nar]} is missing"
                    path.unlink()
                    return False
                bundled[nar] = _bundled_jars(path)
                assembly.nars[nar] = "published"
                self.log(f"  {nar}: published")
                return True
            spec = PACKED.get(nar)
            if spec is None:
                assembly.missing[nar] = f"Maven serves no {maven.GROUP}:{nar}:{self.version}:nar"
                self.log(f"  {nar}: MISSING ({assembly.missing[nar]})")
                return False
            parents[nar] = spec.parent_nar
            if not obtain(spec.parent_nar):
                assembly.missing[nar] = f"its parent NAR {spec.parent_nar} is missing"
                return False
            path, why = self._packed(nar, spec, ancestors(nar) | {_stem(j.name) for j in (self.home / "lib").glob("*.jar")})
            if path is None:
                assembly.missing[nar] = f"not published, and its jars cannot be resolved: {why}"
                self.log(f"  {nar}: MISSING ({assembly.missing[nar]})")
                return False
            bundled[nar] = _bundled_jars(path)
            assembly.nars[nar] = "packed"
            self.log(f"  {nar}: packed from {', '.join(spec.jars)}")
            return True

        self.log(f"live NiFi {self.version}: assembling in {self.home}")
        for nar in FRAMEWORK_NARS:
            if not obtain(nar):
                raise SystemExit(f"live NiFi {self.version}: framework NAR {nar} is missing: {assembly.missing[nar]}")
        for nar in wanted:
            obtain(nar)
        drivers = self.home / "drivers"
        for coordinate in JDBC_DRIVERS:
            result = maven.copy_artifact(coordinate, drivers)
            if result.ok:
                assembly.drivers.extend(sorted(p.name for p in drivers.glob("*.jar")))
        assembly.save()
        return assembly
