"""`python -m live` (or `python3 dev.py nifi`): assemble, start, stop and inspect the live NiFi."""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time

from . import backends, distribution, instance, java, maven


def _assemble(args) -> distribution.Assembly:
    if maven.find_maven() is None:
        raise SystemExit("live NiFi: Maven (mvn) is not installed; it fetches NiFi's artifacts from Maven Central")
    started = time.monotonic()
    assembly = distribution.Assembler(args.version).assemble(force=getattr(args, "force", False))
    size = sum(p.stat().st_size for p in distribution.home_for(args.version).rglob("*") if p.is_file())
    print(f"live NiFi {args.version}: {len(assembly.nars)} NARs in {assembly.home} "
          f"({size / 2**20:.0f} MB, {time.monotonic() - started:.0f} s)")
    for nar, why in sorted(assembly.missing.items()):
        print(f"  not available: {nar}: {why}")
    return assembly


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dev.py nifi", description=__doc__)
    parser.add_argument("--version", default=distribution.DEFAULT_VERSION, help="NiFi release (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)
    assemble = commands.add_parser("assemble", help="fetch and lay out NiFi (cached: a second run downloads nothing)")
    assemble.add_argument("--force", action="store_true", help="assemble again even if nothing changed")
    start = commands.add_parser("start", help="assemble if needed, then start a fresh instance and wait for it")
    start.add_argument("--name", default="default", help="instance name (a folder under build/live-nifi/instances)")
    stop = commands.add_parser("stop", help="stop an instance")
    stop.add_argument("--name", default="default")
    status = commands.add_parser("status", help="print an instance's connection.json if it is running")
    status.add_argument("--name", default="default")
    commands.add_parser("backends", help="install (as root) and start PostgreSQL for the live flows, and a headless Chromium "
                                      "for the picture test")
    commands.add_parser("clean", help="delete build/live-nifi (the Maven cache in ~/.m2 stays)")
    args = parser.parse_args(argv)

    if args.command == "assemble":
        _assemble(args)
    elif args.command == "start":
        assembly = _assemble(args)
        runtime, how = java.find_java()
        if runtime is None:
            raise SystemExit(f"live NiFi: {how}")
        print(f"live NiFi: Java: {how}")
        instance.start(runtime, assembly, args.name)
        print(json.dumps(instance.Connection.load(instance.instance_dir(args.name)).__dict__, indent=2))
    elif args.command in {"stop", "status"}:
        connection = instance.Connection.load(instance.instance_dir(args.name))
        if connection is None or not instance._alive(connection.pid):
            print(f"live NiFi: instance '{args.name}' is not running")
            return 0 if args.command == "stop" else 1
        if args.command == "stop":
            instance.stop(connection)
            print(f"live NiFi: instance '{args.name}' stopped")
        else:
            print(json.dumps(connection.__dict__, indent=2))
    elif args.command == "backends":
        backends.up()
    elif args.command == "clean":
        shutil.rmtree(distribution.BUILD, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
