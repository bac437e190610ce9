"""`python -m protoc_gen_nifi`: the same command as `protoc-gen-nifi`, for environments without the script on PATH."""
from .cli import script

script()
