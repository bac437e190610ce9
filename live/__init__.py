"""A real NiFi for the test suite, assembled from the artifacts NiFi publishes to Maven.

NiFi's binary zip is not published to Maven; its parts are (framework jars, NARs). This
package assembles a NiFi home from them the way `nifi-assembly` lays one out, with only the
NARs the generated flows use (derived from the project's component catalog), writes its
`conf/` from the project's own templates, and starts and stops it on loopback with HTTPS and
client certificates. `python3 dev.py nifi --help` drives it; `tests/live/` uses it.
"""
