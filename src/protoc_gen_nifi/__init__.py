"""protoc-gen-nifi: protobuf-declared integrations to Apache NiFi 2.x artifacts."""

__version__ = "0.1.0"
