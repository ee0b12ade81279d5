"""Secrets out of what cxmon prints and logs: passwords and keys in URLs, endpoints and messages."""

from __future__ import annotations

import re

MASK = "***"

# ``scheme://user:`` -- the password runs from here to the ``@`` before the host
_USERINFO = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^:/?#@\[\s]*):(?=\S*@)")
# ``user:password@host`` without a scheme, as one word
_BARE_USERINFO = re.compile(r"^(?P<head>['\"(\[]?[^:/@'\"(\[]+:)\S*@(?=[^@]+$)")
# ``password=``, ``sslpassword=``, ``api_key=``, ``access_token=``, ``X-Amz-Signature=``, ... in a query,
# a fragment or a libpq ``key=value`` string
_SECRET_PARAM = re.compile(r"(?P<head>(?:^|[?&;#\s])[\w.\-]*(?:pass(?:word|wd)?|pwd|secret|token|key|sig|"
                           r"credential|auth)[\w.\-]*=)(?P<value>[^&;#\s]+)", re.IGNORECASE)


def masked_url(text: str) -> str:
    """``text`` (a URL, an endpoint, or a message quoting them) with every password and secret as ``***``.

    Masks the password of ``user:password@`` and the value of query (or ``key=value``) parameters
    whose name holds pass (password, passwd), pwd, secret, token, key, sig (signature), credential or
    auth, in any case.

    >>> masked_url("postgresql+psycopg://qa:pa@ss@db:5432/cxmon?sslmode=require&sslPassword=x")
    'postgresql+psycopg://qa:***@db:5432/cxmon?sslmode=require&sslPassword=***'
    """
    text = _SECRET_PARAM.sub(lambda m: m["head"] + MASK, text)
    pieces, start = [], 0
    for match in _USERINFO.finditer(text):
        if match.start() < start:
            continue
        rest_start = match.end()
        token_end = next((i for i in range(rest_start, len(text)) if text[i].isspace()), len(text))
        query_start = next((i for i in range(rest_start, token_end) if text[i] in "?#"), token_end)
        # a password may hold "/" or even "@" unencoded: mask up to the last "@" before the query
        password_end = text.rfind("@", rest_start, query_start)
        if password_end < 0:
            password_end = text.find("@", rest_start, token_end)
        pieces += [text[start:rest_start], MASK]
        start = password_end
    text = "".join(pieces) + text[start:]
    # "user:password@host:9000": an endpoint or a host without a scheme, alone or quoted in a message
    return "".join(word if "://" in word else _BARE_USERINFO.sub(rf"\g<head>{MASK}@", word)
                   for word in re.split(r"(\s+)", text))
