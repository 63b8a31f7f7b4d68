"""The local outbox: without an SMTP server, each message is written to instance/outbox/ as an .eml file
(core/mail.py delivers there); erasure and retention remove those files as they remove the rows."""

from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path

from flask import current_app


def folder(app) -> Path:
    return Path(app.instance_path) / "outbox"


def write(app, message, mail_message) -> Path:
    """Write ``mail_message`` (the outbox row ``message``, built) as a file; returns its path."""
    target = folder(app)
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{message.created_at:%Y%m%d-%H%M%S}-{message.id:06d}-{message.kind}.eml"
    path.write_bytes(mail_message.as_bytes())
    return path


def remove(matches) -> int:
    """Delete the files whose headers ``matches(headers)``; returns how many."""
    target = folder(current_app)
    removed = 0
    for path in sorted(target.glob("*.eml")) if target.is_dir() else ():
        try:
            with path.open("rb") as handle:
                headers = BytesHeaderParser(policy=policy.default).parse(handle)
            if matches(headers):
                path.unlink()
                removed += 1
        except OSError:  # gone meanwhile, or unreadable: nothing of it to remove
            continue
    return removed
