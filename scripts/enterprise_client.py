"""What an Enterprise API partner's own code does, for trying `/v1` from a shell:

    .venv/bin/python -m scripts.enterprise_client keys DIR
        writes DIR/partner.key (RSA 2048, PKCS#8 PEM, mode 600) and DIR/partner.pub
    .venv/bin/python -m scripts.enterprise_client assertion KEY_FILE CLIENT_ID KID AUDIENCE
        prints a client assertion (RFC 7523, RS256, valid 60 s) for POST /v1/oauth/token
"""
from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path


def write_key_pair(directory: Path) -> tuple[Path, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    directory.mkdir(parents=True, exist_ok=True)
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_path, pub_path = directory / "partner.key", directory / "partner.pub"
    key_bytes = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption())
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key_bytes)
    pub_path.write_bytes(private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return key_path, pub_path


def client_assertion(private_key_pem: str, client_id: str, kid: str, audience: str, lifetime: int = 60) -> str:
    import jwt

    now = int(time.time())
    return jwt.encode({"iss": client_id, "sub": client_id, "aud": audience, "iat": now, "exp": now + lifetime,
                       "jti": str(uuid.uuid4())}, private_key_pem, algorithm="RS256", headers={"kid": kid})


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "keys":
        for path in write_key_pair(Path(argv[1])):
            print(path)
        return 0
    if len(argv) == 5 and argv[0] == "assertion":
        _, key_file, client_id, kid, audience = argv
        print(client_assertion(Path(key_file).read_text(), client_id, kid, audience))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
