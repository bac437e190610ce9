"""Deploy-and-assert harness: put a generated integration into NiFi 2.x through the NiFi
Registry, fill its parameters and controller services, start it, and assert it is healthy.

Entry point: `protoc_gen_nifi.harness.cli.main(argv, artifacts_dir=...)`; each generated
`<integration>/harness/deploy_and_assert.py` calls it. One module per step:
registry (a), deploy (b), parameters (c), services (d), drain (e), assertions and drive (f),
plan (--dry-run); client is the httpx wrapper, errors the one-line errors and redaction.
Golden cases: cases (the folder format and its checks), topology (where a case enters and is
observed, read from the snapshot), drive (inject, follow, clean up), observe (provenance, queues).
"""
