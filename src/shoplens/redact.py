"""Secrets out of every text ShopLens shows or writes: one function, :func:`redact`.

Messages, logs, reports (``results.json``, ``index.html``) and JSON output all pass
through it. It hides every credential form a database or search URL, a DSN or an error
message quoting one can hold:

- the password in a URL's user info, also when it holds a bad percent escape or an
  unencoded ``@`` (``postgresql://ann:p@ss@host``: the user info ends at the last ``@``);
- a user-info credential without a password (``https://APIKEY@host``, a token given as
  the user name), except for database URLs, where a user name is only a name;
- secret query parameters (``?password=``, ``sslpassword``, ``token``, ``api_key``,
  ``access_token``, ``secret``, ``client_secret``, ``signature``, ...);
- secret ``key=value`` keywords of a libpq DSN (``password=... sslpassword='...'``) and
  ``"password": "..."`` in JSON;
- and, given the URL a message is about, any other appearance of its secrets in the
  message (a driver error quoting part of a badly written URL).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote

MASK = "***"

#: names of parameters and DSN keywords whose value is a secret (compared lower-cased,
#: ``-`` as ``_``)
SECRET_KEYS = (
    "password", "passwd", "pwd", "pass", "sslpassword", "ssl_password", "secret",
    "client_secret", "token", "access_token", "refresh_token", "id_token", "auth_token",
    "api_key", "apikey", "x_api_key", "key", "private_key", "sslkey_password",
    "signature", "sig", "x_amz_signature", "x_amz_credential", "x_amz_security_token",
    "credential", "credentials", "authorization", "auth", "session_token",
)
_KEYS = "|".join(sorted({k.replace("_", "[_-]?") for k in SECRET_KEYS}, key=len, reverse=True))
#: schemes whose user name is not a secret (database logins)
_NAMED_USER_SCHEMES = ("postgresql", "postgres", "mysql", "duckdb", "spark")

# scheme://userinfo@  (userinfo up to the LAST @ before the host part)
_USERINFO = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*)://(?P<info>[^\s/?#<>]*)@")
# a whole URL given as a source: its user info is everything before the host's last @
_NETLOC = re.compile(r"\s*(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?P<netloc>[^/?#]*)")
# ?key=value / &key=value / ;key=value in a URL
_QUERY = re.compile(rf"(?i)(?P<lead>[?&;](?:{_KEYS})=)(?P<value>[^&#\s\"'<>]*?)(?=[:,.]?(?:[&#\s\"'<>]|$))")
# key=value / key = 'value' in a DSN or a message
_KEYWORD = re.compile(
    rf"(?i)(?P<lead>(?<![\w.\-])(?:{_KEYS})\s*=\s*)"
    r"(?P<value>'(?:[^'\\]|\\.)*'?|\"(?:[^\"\\]|\\.)*\"?|[^\s&;,)]+)")
# "key": "value" in JSON
_JSON = re.compile(rf"(?i)(?P<lead>\"(?:{_KEYS})\"\s*:\s*)(?P<value>\"(?:[^\"\\]|\\.)*\")")


def redact(text: str, *sources: str | None) -> str:
    """``text`` with every credential replaced by ``***``.

    Parameters
    ----------
    text
        A URL, a DSN, a message, a log or a whole JSON or HTML document.
    *sources
        URLs or DSNs the text may quote in part (the one a connection was opened with):
        their secrets are also removed wherever they appear, percent-decoded or not.
    """
    if not text:
        return text
    for secret in sorted(_secrets_of(sources), key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _USERINFO.sub(_mask_userinfo, text)
    text = _QUERY.sub(lambda m: m.group("lead") + MASK, text)
    text = _KEYWORD.sub(_mask_keyword, text)
    return _JSON.sub(lambda m: m.group("lead") + f'"{MASK}"', text)


def secrets_of(url: str | None) -> set[str]:
    """The secret values a URL or DSN holds (as written and percent-decoded)."""
    return _secrets_of([url])


def _mask_userinfo(m: re.Match[str]) -> str:
    scheme, info = m.group("scheme"), m.group("info")
    if info == MASK or info.endswith(":" + MASK):
        return m.group(0)
    user, colon, _ = info.partition(":")
    if colon:
        return f"{scheme}://{user}:{MASK}@"
    if scheme.lower() in _NAMED_USER_SCHEMES:
        return m.group(0)
    return f"{scheme}://{MASK}@"


def _mask_keyword(m: re.Match[str]) -> str:
    value = m.group("value")
    if value.strip("'\"") == MASK:
        return m.group(0)
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{m.group('lead')}{quote}{MASK}{quote}"


def _secrets_of(sources: Iterable[str | None]) -> set[str]:
    found: set[str] = set()
    for src in sources:
        if not src:
            continue
        m = _NETLOC.match(src)
        info, at, _host = m.group("netloc").rpartition("@") if m else ("", "", "")
        if m and at:
            user, colon, password = info.partition(":")
            if colon and password:
                found.update(_forms(password))
                # an unencoded '@' splits the password where a driver may cut it
                found.update(p for part in password.split("@") for p in _forms(part)
                             if len(p) >= 3)
            elif not colon and m.group("scheme").lower() not in _NAMED_USER_SCHEMES and user:
                found.update(_forms(user))
        query = src.partition("?")[2]
        for key, value in parse_qsl(query.partition("#")[0], keep_blank_values=False):
            if _is_secret_key(key) and value:
                found.update(_forms(value))
        for km in _KEYWORD.finditer(src):
            value = km.group("value").strip("'\"")
            if value and value != MASK:
                found.update(_forms(value))
    return {s for s in found if s and s != MASK}


def _forms(value: str) -> set[str]:
    forms = {value}
    with contextlib.suppress(UnicodeDecodeError):
        forms.add(unquote(value, errors="strict"))
    return forms


def _is_secret_key(key: str) -> bool:
    return key.lower().replace("-", "_") in SECRET_KEYS


__all__ = ["MASK", "SECRET_KEYS", "redact", "secrets_of"]
