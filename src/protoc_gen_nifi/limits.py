"""The sizes protoc-gen-nifi accepts, stated once (README, "Limits"): past them a request is refused with a
located error, so that no name breaks a file system, NiFi or Kubernetes, and no small request becomes a huge
response."""
from __future__ import annotations

# An integration name is a folder, a NiFi process group and parameter context, and a Kubernetes resource
# name: 63 characters is a DNS label, the strictest of them (file names stop at 255 bytes).
INTEGRATION_NAME = 63
# A port's snake_case name is part of group names and of parameter names (`mapping.<port>.script.path`).
PORT_NAME = 100
# A ref or a header name becomes part of parameter names (`http.<ref>.tls.truststore.password`,
# `http.<ref>.header.<name>`), which must stay within the 253 characters of a Kubernetes Secret key.
REF = 100
HEADER_NAME = 100
# Longest parameter name the refs and names above can produce, checked on every flow in the tests.
PARAMETER_NAME = 253
PORTS_PER_INTEGRATION = 100
# Descriptions (copied into groups, the parameter context and READMEs) and every other option string.
DESCRIPTION = 10_000
TEXT = 1_000
# The whole response (every artifact of every integration of one request).
OUTPUT_BYTES = 1024 * 2**20
