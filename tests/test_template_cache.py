"""Compiled templates are kept between runs (rendering._bytecode_cache); the output never depends on them: cold,
warm, corrupted, unusable or turned off, a real protoc run writes the same files."""
from __future__ import annotations

import os

import pytest
from conftest import SEED_PROTOS, run_protoc

from protoc_gen_nifi.rendering import TEMPLATE_CACHE_VARIABLE


def _run(tmp_path, temp_dir, **env):
    return run_protoc(tmp_path, [SEED_PROTOS], env={**os.environ, "TMPDIR": str(temp_dir), **env})


def _entries(temp_dir):
    return sorted(temp_dir.glob("_jinja2-cache-*/protoc-gen-nifi-*.cache"))


def test_the_cache_is_written_then_used_and_the_files_stay_the_same(tmp_path, seed_protoc):
    temp_dir = tmp_path / "temp"
    temp_dir.mkdir()
    cold = _run(tmp_path, temp_dir)
    assert cold.returncode == 0, cold.stderr
    entries = _entries(temp_dir)
    assert len(entries) >= 5  # one a template: README, parameter context, structural test, harness files
    stamps = [e.stat().st_mtime_ns for e in entries]
    warm = _run(tmp_path, temp_dir)
    assert warm.files == cold.files == seed_protoc.files
    assert [e.stat().st_mtime_ns for e in _entries(temp_dir)] == stamps  # read, not written again


def _corrupt_every_entry(temp_dir):
    assert _run(temp_dir.parent, temp_dir).returncode == 0
    for entry in _entries(temp_dir):
        entry.write_bytes(b"j2\x00not bytecode")


def _a_file_where_the_folder_goes(temp_dir):
    (temp_dir / f"_jinja2-cache-{os.getuid()}").write_text("a file where the cache folder would be")


@pytest.mark.parametrize("spoil", [_corrupt_every_entry, _a_file_where_the_folder_goes])
def test_a_spoilt_cache_means_compiling_again_never_a_failure(tmp_path, seed_protoc, spoil):
    temp_dir = tmp_path / "temp"
    temp_dir.mkdir()
    spoil(temp_dir)
    run = _run(tmp_path, temp_dir)
    assert run.returncode == 0, run.stderr
    assert run.files == seed_protoc.files


def test_the_cache_can_be_turned_off(tmp_path, seed_protoc):
    temp_dir = tmp_path / "temp"
    temp_dir.mkdir()
    run = _run(tmp_path, temp_dir, **{TEMPLATE_CACHE_VARIABLE: "off"})
    assert run.returncode == 0, run.stderr
    assert run.files == seed_protoc.files
    assert list(temp_dir.iterdir()) == []
