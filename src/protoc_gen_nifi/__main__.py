"""`python -m protoc_gen_nifi`: the same command as `protoc-gen-nifi`, for environments without the script on PATH."""
import sys

from .cli import main

sys.exit(main())
