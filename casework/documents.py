"""The prosecutor's order document: sniffed, size-limited, stored encrypted.

The upload's declared type and file name are not trusted; its first bytes decide. Only
PDF and the usual scan formats (PNG, JPEG, TIFF) are accepted, at most 10 MB. The file
goes to the object store under ``orders/``, sealed with AES-GCM under the master key, and
the request keeps its key and SHA-256.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from anpr.errors import BadInput, PayloadTooLarge

MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
]


@dataclass(frozen=True)
class StoredDocument:
    key: str
    sha256: str
    mimetype: str
    size: int


def sniff(data: bytes) -> str:
    if not data:
        raise BadInput("the order document is empty")
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(f"the order document is larger than {MAX_BYTES // 2**20} MB")
    for magic, mime in SIGNATURES:
        if data.startswith(magic):
            if mime == "application/pdf" and (b"/JavaScript" in data or b"/JS " in data
                                              or b"/Launch" in data):
                raise BadInput("the PDF contains active content (JavaScript or launch "
                               "actions) and is refused")
            return mime
    raise BadInput("the order document must be a PDF or a scan (PNG, JPEG, TIFF); this file "
                   "is none of those")


def seal(data: bytes, request_id: int, master: bytes) -> tuple[StoredDocument, bytes]:
    """The document checked and sealed, not yet stored: the store gets it once the request
    took it (``casework.lifecycle.attach_written_order``), so a refused upload leaves no
    file behind."""
    mime = sniff(data)
    digest = hashlib.sha256(data).hexdigest()
    key = f"orders/{request_id}/{digest}"
    nonce = secrets.token_bytes(12)
    return (StoredDocument(key, digest, mime, len(data)),
            b"OD1" + nonce + AESGCM(master).encrypt(nonce, data, key.encode()))


def load(key: str, object_store, master: bytes) -> bytes:
    blob = object_store.get(key)
    return AESGCM(master).decrypt(blob[3:15], blob[15:], key.encode())


def store_for(settings, home: Path):
    """The object store and master key from the settings (the intake's photo store)."""
    from ingest.images import master_key, open_store

    return open_store(settings.intake, home), master_key(settings.intake, home)
