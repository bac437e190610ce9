"""A throw-away CA, a server certificate for loopback and a client certificate, as PEM files.

NiFi 2.x reads PEM key and trust stores (`nifi.security.keystoreType=PEM`,
SslContextConfiguration.java), so no Java keystore tooling is needed. The client
certificate's subject is the NiFi admin identity (authorizers.xml): the live tests and the
harness authenticate with it, as NiFiKop does.
"""
from __future__ import annotations

import datetime
import ipaddress
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# One RDN, so the identity reads the same whichever DN format NiFi renders.
ADMIN_DN = "CN=protoc-gen-nifi-live"


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _name(dn: str) -> x509.Name:
    oids = {"CN": NameOID.COMMON_NAME, "OU": NameOID.ORGANIZATIONAL_UNIT_NAME}
    parts = [p.strip().split("=", 1) for p in dn.split(",")]
    return x509.Name([x509.NameAttribute(oids[k], v) for k, v in parts])


def _write_key(key, path: Path) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


def _issue(subject: str, key, ca_name: x509.Name, ca_key, *, is_ca: bool, usage, sans=()) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(ca_name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True))
    if usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usage), critical=False)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    if is_ca:
        builder = builder.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                                      key_encipherment=False, data_encipherment=False,
                                                      key_agreement=False, key_cert_sign=True, crl_sign=True,
                                                      encipher_only=False, decipher_only=False), critical=True)
    return builder.sign(ca_key, hashes.SHA256())


def make_tls(directory: Path) -> TlsFiles:
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("CN=protoc-gen-nifi live CA, OU=tests")
    ca_cert = _issue("CN=protoc-gen-nifi live CA, OU=tests", ca_key, ca_name, ca_key, is_ca=True, usage=None)
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem",
                     directory / "client.pem", directory / "client-key.pem")
    files.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    server_key = ec.generate_private_key(ec.SECP256R1())
    sans = (x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    server = _issue("CN=localhost, OU=tests", server_key, ca_name, ca_key, is_ca=False,
                    usage=[ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH], sans=sans)
    # The server file carries its chain: PemPrivateKeyCertificateKeyStoreBuilder reads every certificate.
    files.server_cert.write_bytes(server.public_bytes(serialization.Encoding.PEM)
                                  + ca_cert.public_bytes(serialization.Encoding.PEM))
    _write_key(server_key, files.server_key)
    client_key = ec.generate_private_key(ec.SECP256R1())
    client = _issue(ADMIN_DN, client_key, ca_name, ca_key, is_ca=False, usage=[ExtendedKeyUsageOID.CLIENT_AUTH])
    files.client_cert.write_bytes(client.public_bytes(serialization.Encoding.PEM))
    _write_key(client_key, files.client_key)
    return files


@dataclass(frozen=True)
class JavaStores:
    """PKCS12 stores for NiFi's SSL context services: the server key and chain, and the CA as a trusted entry."""

    keystore: Path
    truststore: Path
    password: str


def java_stores(tls: TlsFiles, java: Path, password: str) -> JavaStores:
    """The truststore is written by the JDK's keytool: Java trusts a PKCS12 certificate only when it carries
    Java's own trusted-certificate attribute, which keytool -importcert adds and a plain PKCS12 writer does not."""
    directory = tls.ca.parent
    keystore, truststore = directory / "keystore.p12", directory / "truststore.p12"
    key = serialization.load_pem_private_key(tls.server_key.read_bytes(), None)
    chain = x509.load_pem_x509_certificates(tls.server_cert.read_bytes())
    keystore.write_bytes(pkcs12.serialize_key_and_certificates(
        b"server", key, chain[0], chain[1:], serialization.BestAvailableEncryption(password.encode())))
    truststore.unlink(missing_ok=True)
    keytool = java.parent / "keytool"
    subprocess.run([str(keytool), "-importcert", "-noprompt", "-alias", "ca", "-file", str(tls.ca), "-keystore",
                    str(truststore), "-storetype", "PKCS12", "-storepass", password], check=True, capture_output=True)
    return JavaStores(keystore, truststore, password)
