"""The client certificate of a call (OBP mtlsClientCertificateInfo): the PEM in the `PSD2-CERT`
header, its subject and issuer as Java prints an X.500 name, its validity, and the PSD2 roles of
its ETSI TS 119 495 QC statement."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import unquote

from chalicelib.errors import ApiError

NO_ROLES = "PEM Encoded Certificate does not contain PSD2 roles."
_QC_STATEMENTS = "1.3.6.1.5.5.7.1.3"
_PSD2_QC_TYPE = "0.4.0.19495.2"
# The names java.security's X500Principal prints; any other attribute is OID.<dotted>.
_JAVA_NAMES = {
    "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.9": "STREET", "2.5.4.10": "O",
    "2.5.4.11": "OU", "2.5.4.5": "SERIALNUMBER", "1.2.840.113549.1.9.1": "EMAILADDRESS",
    "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID",
}
_PEM = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)


def _pem_bytes(header: str) -> bytes:
    """A PEM as clients put it in a header: URL-encoded, with literal \\n, or on one line."""
    text = unquote(header) if "%" in header else header
    match = _PEM.search(text.replace("\\n", "\n"))
    if match is None:
        raise ApiError("OBP-20300", status=400)
    body = "".join(match.group(1).split())
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN CERTIFICATE-----\n{lines}\n-----END CERTIFICATE-----\n".encode()


def _java_name(name) -> str:
    rdns = []
    for rdn in reversed(name.rdns):  # most specific first, as X500Principal.toString()
        parts = []
        for attribute in rdn:
            oid = attribute.oid.dotted_string
            label = _JAVA_NAMES.get(oid, f"OID.{oid}")
            value = attribute.value if isinstance(attribute.value, str) else attribute.value.hex()
            if re.search(r'[,+"\\<>;=]', value) or value != value.strip():
                value = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            parts.append(f"{label}={value}")
        rdns.append(" + ".join(parts))
    return ", ".join(rdns)


def _millis(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --- a little DER, for the QC statements extension ------------------------------------------------

def _tlv(data: bytes, at: int) -> tuple[int, bytes, int]:
    """(tag, content, next position) of the DER element at `at`."""
    tag, length = data[at], data[at + 1]
    at += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[at:at + count], "big")
        at += count
    return tag, data[at:at + length], at + length


def _children(content: bytes) -> list[tuple[int, bytes]]:
    out, at = [], 0
    while at < len(content):
        tag, value, at = _tlv(content, at)
        out.append((tag, value))
    return out


def _oid(content: bytes) -> str:
    first, arcs, value = content[0], [], 0
    for byte in content[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    return ".".join(str(a) for a in [min(first // 40, 2), first - 40 * min(first // 40, 2), *arcs])


def psd2_roles(qc_statements_der: bytes) -> list[str]:
    """The roleOfPspName of each RoleOfPSP in the PSD2 QC statement (ETSI TS 119 495 §5.1)."""
    roles = []
    _, statements, _ = _tlv(qc_statements_der, 0)
    for _, statement in _children(statements):
        parts = _children(statement)
        if len(parts) < 2 or parts[0][0] != 0x06 or _oid(parts[0][1]) != _PSD2_QC_TYPE:
            continue
        roles_of_psp = _children(parts[1][1])[0][1]
        for _, role in _children(roles_of_psp):
            fields = _children(role)
            if len(fields) >= 2:
                roles.append(fields[1][1].decode("utf-8"))
    return roles


def certificate_info(header: str | None) -> dict:
    """CertificateInfoJsonV510 of the PSD2-CERT header: 400 OBP-20306 when it is missing,
    400 OBP-20300 when it holds no certificate we can read."""
    if not header or not header.strip():
        raise ApiError("OBP-20306", status=400)
    from cryptography import x509  # imported on use: cold start

    try:
        cert = x509.load_pem_x509_certificate(_pem_bytes(header))
        roles = []
        for extension in cert.extensions:
            raw = getattr(extension.value, "value", None)  # an extension cryptography does not model
            if extension.oid.dotted_string == _QC_STATEMENTS and isinstance(raw, bytes):
                roles = psd2_roles(raw)
    except (ValueError, IndexError, UnicodeDecodeError):
        raise ApiError("OBP-20300", status=400) from None
    info = {
        "subject_domain_name": _java_name(cert.subject), "issuer_domain_name": _java_name(cert.issuer),
        "not_before": _millis(cert.not_valid_before_utc), "not_after": _millis(cert.not_valid_after_utc),
    }
    if roles:
        info["roles"] = roles
    else:
        info["roles_info"] = NO_ROLES
    return info
