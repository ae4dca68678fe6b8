"""A self-signed TLS certificate for ``legcheck serve --lan --self-signed``, made once into the data directory.

An ECDSA P-256 key and a certificate naming this machine (its host name, ``localhost`` and its
addresses) valid for 825 days, the longest phones accept. The phone warns once that it does not
know the issuer; comparing the SHA-256 fingerprint the server prints with the one the phone
shows proves it is this server.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from ..fileio import PRIVATE, PUBLIC, atomic_write, make_private_dir

TLS_DIR = "web-tls"
VALID_DAYS = 825


def self_signed(data_dir: Path, hosts: list[str]) -> tuple[Path, Path]:
    """The data directory's certificate and key, made now if missing.

    Parameters
    ----------
    data_dir : Path
    hosts : list of str
        Host names and IP addresses the certificate names (used only when it is made).

    Returns
    -------
    (Path, Path)
        The certificate (PEM) and the key (PEM, 0600).

    Raises
    ------
    FileAccessError
        The directory cannot be written.
    """
    d = make_private_dir(Path(data_dir) / TLS_DIR)
    cert_path, key_path = d / "cert.pem", d / "key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    names = []
    for h in dict.fromkeys(["localhost", *hosts]):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            names.append(x509.DNSName(h))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "legcheck " + (hosts[0] if hosts else "localhost"))])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    atomic_write(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()), mode=PRIVATE)
    atomic_write(cert_path, cert.public_bytes(serialization.Encoding.PEM), mode=PUBLIC)
    return cert_path, key_path


def fingerprint(cert_path: Path) -> str:
    """The certificate's SHA-256 fingerprint as colon-separated hex (what a browser shows)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    return ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback, as its host name resolves them (no packet sent)."""
    import socket

    out = []
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        infos = []
    for info in infos:
        addr = info[4][0]
        if not addr.startswith("127.") and addr not in out:
            out.append(addr)
    return out
