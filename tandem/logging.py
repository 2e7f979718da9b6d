"""Log records never carry credentials or tax numbers, whoever logs them.

Tokens reach logs through request lines (`?code=...`), bodies and headers quoted in exception
messages, and tracebacks of failed calls to external systems; tax numbers through records that
print a client's fields. The filter rewrites the finished message and traceback text, so it
catches them whatever logger, library or format produced them.
"""

import logging
import re

REDACTED = "[redacted]"

# Credentials sent as `Authorization: Bearer ...` or `Basic ...`.
_AUTHORIZATION = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*")
# Secrets as query, form or JSON values: `code=...`, `"access_token": "..."`, `client_secret: ...`.
_SECRET_VALUE = re.compile(
    r"""(?ix)
    \b(access_token|refresh_token|id_token|client_secret|code_verifier|code|password
       |tax_number|taxnumber|tax\ number)\b
    (["']?\s*[=:]\s*["']?)
    [^&\s"',;}\]]+
    """
)
# Tax numbers wherever they appear: NZ IRD and AU TFN numbers are 8 or 9 digits, often grouped
# in threes (`123-456-789`); AU business numbers are 11 (`51 824 753 556`).
_TAX_NUMBER = re.compile(
    r"(?<![\w-])(?:\d{2} ?\d{3} ?\d{3} ?\d{3}|\d{2,3}[- ]?\d{3}[- ]?\d{3})(?![\w-])"
)


def redact(text: str) -> str:
    text = _AUTHORIZATION.sub(lambda match: f"{match[1]} {REDACTED}", text)
    text = _SECRET_VALUE.sub(lambda match: f"{match[1]}{match[2]}{REDACTED}", text)
    return _TAX_NUMBER.sub(REDACTED, text)


class RedactSecrets(logging.Filter):
    """Replaces the record's message, traceback and stack text with their redacted forms.

    The message is formatted here (and its arguments dropped) because a secret is as often in
    an argument as in the format string.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
