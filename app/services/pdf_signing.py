"""The court's digital signature on the PDFs it issues (PAdES, 电子签章): any PDF reader shows
whether a document was altered after the court signed it; the seal image stays the visible mark.

The court's key and its certificate, issued by a court CA, are files outside the database
(`PDF_SIGNING_KEY`, `PDF_SIGNING_CERT`, `PDF_SIGNING_CA_CERT`). With `PDF_SIGNING_CREATE` (demo,
tests) a throwaway CA and court certificate are made on first use; in production the operator
provides them and a missing file is an error, so no court document goes out unsigned.
"""
import datetime as dt
import io
import os
import threading
from pathlib import Path

from flask import current_app

_lock = threading.Lock()
_cache = {}


def _paths():
    cfg = current_app.config
    return Path(cfg["PDF_SIGNING_KEY"]), Path(cfg["PDF_SIGNING_CERT"]), Path(cfg["PDF_SIGNING_CA_CERT"])


def _write_once(path, data, mode=0o644):
    """Create `path` atomically; never overwrite what another process made first."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def make_throwaway_ca(key_path, cert_path, ca_path, court_name="MicroCourt demo court"):
    """A demo court CA and a court signing certificate it issued (EC P-256), written as PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "MicroCourt (demo, not trusted)"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "MicroCourt demo court CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now)
          .not_valid_after(now + dt.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "MicroCourt (demo, not trusted)"),
                         x509.NameAttribute(NameOID.COMMON_NAME, court_name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1825))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    key_path.parent.mkdir(parents=True, exist_ok=True)
    # The CA's private key is thrown away: nothing else is ever issued by a demo CA.
    _write_once(ca_path, ca.public_bytes(pem))
    _write_once(cert_path, cert.public_bytes(pem))
    _write_once(key_path, key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
                mode=0o600)


def _signer():
    from pyhanko.sign import signers
    key_path, cert_path, ca_path = _paths()
    with _lock:
        if not key_path.exists() or not cert_path.exists():
            if not current_app.config.get("PDF_SIGNING_CREATE"):
                raise RuntimeError(f"the court's PDF signing key or certificate is missing ({key_path}, {cert_path}): "
                                   "set PDF_SIGNING_KEY, PDF_SIGNING_CERT and PDF_SIGNING_CA_CERT")
            make_throwaway_ca(key_path, cert_path, ca_path)
        stamp = (str(key_path), str(cert_path), key_path.stat().st_mtime, cert_path.stat().st_mtime)
        if _cache.get("stamp") != stamp:
            chain = (str(ca_path),) if ca_path.exists() else ()
            _cache["signer"] = signers.SimpleSigner.load(str(key_path), str(cert_path), ca_chain_files=chain)
            _cache["stamp"] = stamp
        return _cache["signer"]


def preload():
    """Import pyHanko before the worker forks (it takes a few hundred ms)."""
    from pyhanko.sign import signers  # noqa: F401


def sign_pdf(data: bytes, *, reason="电子签章", location=None) -> bytes:
    """The same PDF with the court's PAdES signature (an incremental update: the bytes before it
    are unchanged, so a changed byte anywhere breaks the signature)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    signer = _signer()
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    meta = signers.PdfSignatureMetadata(field_name="CourtSignature", md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES, reason=reason,
                                        location=location or current_app.config.get("PDF_SIGNING_LOCATION"))
    out = io.BytesIO()
    outside_event_loop(lambda: signers.PdfSigner(meta, signer=signer).sign_pdf(writer, output=out))
    return out.getvalue()


def outside_event_loop(work):
    """pyHanko's sync API runs its own asyncio loop, which cannot start inside a running one (an
    async server, a test driving a browser): there, do the work on a short-lived thread of its own."""
    import asyncio
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def check(data: bytes):
    """The court signatures on a PDF, for the public check page: None when it carries none, else
    {intact, trusted, signer, signed_at} of the last signature (trusted: issued by the court CA)."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    if not data.startswith(b"%PDF-"):
        return None
    try:
        sigs = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except (PdfReadError, ValueError, KeyError):
        return None
    if not sigs:
        return None
    _key, _cert, ca_path = _paths()
    roots = [load_cert_from_pemder(str(ca_path))] if ca_path.exists() else []
    try:
        status = outside_event_loop(lambda: validate_pdf_signature(sigs[-1], ValidationContext(trust_roots=roots)))
    except Exception:  # noqa: BLE001 - a malformed signature is simply not a valid one
        return dict(intact=False, trusted=False, signer=None, signed_at=None)
    cert = status.signing_cert
    return dict(intact=bool(status.intact and status.valid), trusted=bool(status.trusted),
                signer=cert.subject.human_friendly if cert is not None else None, signed_at=status.signer_reported_dt)
