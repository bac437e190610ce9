"""Command-line entry point (placeholder until the pipeline lands)."""
import sys


def main(argv=None) -> int:
    return 0


if __name__ == "__main__":
    sys.exit(main())
