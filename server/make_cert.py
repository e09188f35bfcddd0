"""A self-signed TLS certificate for trying the add-in on one PC (Office.js only loads HTTPS pages).

    python server/make_cert.py [--host NAME ...] [--days 825]

Writes server/certs/cert.pem and server/certs/key.pem for localhost, 127.0.0.1 and ::1 (plus any
--host). Excel trusts it once it is in the user's trusted roots (docs/server.md). A deployment uses
the intranet's own certificate at the reverse proxy instead.
"""
from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
from pathlib import Path

CERTS = Path(__file__).resolve().parent / "certs"


def make_cert(out: Path = CERTS, hosts: tuple[str, ...] = (), days: int = 825) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    for ip in ("127.0.0.1", "::1"):
        names.append(x509.IPAddress(ipaddress.ip_address(ip)))
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pe-score local trial"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pe-score")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=False, content_commitment=False,
                                     data_encipherment=False, key_agreement=True, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    out.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = out / "cert.pem", out / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成本机试用用的自签名 TLS 证书")
    parser.add_argument("--host", action="append", default=[], help="另外的主机名或 IP（可重复）")
    parser.add_argument("--days", type=int, default=825, help="有效天数")
    parser.add_argument("--out", type=Path, default=CERTS, help="输出目录")
    args = parser.parse_args(argv)
    cert, key = make_cert(args.out, tuple(args.host), args.days)
    print(f"证书：{cert}\n私钥：{key}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
