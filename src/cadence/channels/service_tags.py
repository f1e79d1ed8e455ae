"""The lead token in the custom-argument header of an email service, which echoes it in its webhooks.

SendGrid, Postmark and Mailgun each read one header of a message sent through
their SMTP relay, strip it, and repeat what it carried in every webhook event
about that message (a bounce, a complaint, an unsubscribe). cadence puts the
lead's signed token there (``smtp_service``), so the gateway finds the lead of
such an event even where the service replaced cadence's Message-ID with its own
(Postmark always does). The gateway's webhook readers look the token up under
:data:`TOKEN_KEY`.

=========  ====================================================  ===============================
service    header sent                                           where its webhooks echo it
=========  ====================================================  ===============================
sendgrid   ``X-SMTPAPI: {"unique_args":{"cadence_token":T}}``    ``cadence_token`` in each event
postmark   ``X-PM-Metadata-cadence_token: T``                    ``Metadata.cadence_token``
mailgun    ``X-Mailgun-Variables: {"cadence_token":T}``          ``user-variables.cadence_token``
=========  ====================================================  ===============================
"""

from __future__ import annotations

import json

TOKEN_KEY = "cadence_token"
"""The name the lead token goes by in a service's custom arguments, metadata or variables."""


def service_headers(service: str, token: str) -> tuple[tuple[str, str], ...]:
    """The ``(name, value)`` headers that make ``service`` echo ``token``; none for ``none`` or an unknown one."""
    if service == "sendgrid":
        return (("X-SMTPAPI", _json({"unique_args": {TOKEN_KEY: token}})),)
    if service == "postmark":
        return ((f"X-PM-Metadata-{TOKEN_KEY}", token),)
    if service == "mailgun":
        return (("X-Mailgun-Variables", _json({TOKEN_KEY: token})),)
    return ()


def _json(value: object) -> str:
    # Compact: no space for a folding line break to land in.
    return json.dumps(value, separators=(",", ":"))


__all__ = ["TOKEN_KEY", "service_headers"]
