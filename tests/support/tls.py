"""A test certificate authority and a server certificate it signs, shaped like the ones
certbot gets from Let's Encrypt (ECDSA P-256, SHA-256, 90 days), for 127.0.0.1 and localhost;
an HTTPS client that trusts that authority alone; and a bare HTTPS server that presents one."""

import http.client
import ipaddress
import ssl
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .processes import Response, exchange

SERVER_LIFETIME = timedelta(days=90)
AUTHORITY_NAME = "copier-flask-production test CA"  # the test CA's common name


@dataclass(frozen=True)
class TestCertificates:
    authority: Path  # the CA certificate, for clients
    fullchain: Path  # the server certificate (certbot's fullchain.pem; no intermediate here)
    private_key: Path  # its key (certbot's privkey.pem)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def make_test_certificates(folder: Path) -> TestCertificates:
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(AUTHORITY_NAME)
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + SERVER_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now - timedelta(minutes=5) + SERVER_LIFETIME)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )

    certificates = TestCertificates(
        folder / "ca.pem", folder / "fullchain.pem", folder / "privkey.pem"
    )
    pem = serialization.Encoding.PEM
    certificates.authority.write_bytes(ca.public_bytes(pem))
    certificates.fullchain.write_bytes(server.public_bytes(pem))
    _write_key(key, certificates.private_key)
    return certificates


def https_request(
    port: int,
    path: str,
    authority: Path,
    headers: dict[str, str] | None = None,
    source_address: str = "127.0.0.1",
    method: str = "GET",
    body: bytes | None = None,
    host: str = "127.0.0.1",
) -> Response:
    """A request to host:port over TLS (a name of this machine, sent as SNI and Host),
    verified against authority alone, sent from source_address (any address in 127.0.0.0/8
    is this machine)."""
    context = ssl.create_default_context(cafile=str(authority))
    connection = http.client.HTTPSConnection(
        host, port, context=context, timeout=10, source_address=(source_address, 0)
    )
    return exchange(connection, method, path, headers, body)


@contextmanager
def tls_server(certificates: TestCertificates, port: int):
    """A bare HTTPS server on 127.0.0.1:port presenting certificates' server certificate,
    answering every GET with an empty page, until the block ends."""

    class Empty(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *arguments):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Empty)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates.fullchain, certificates.private_key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
