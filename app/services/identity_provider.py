"""Identity providers (身份认证平台): a national eID service or a commercial real-name verification
API that says whether a selfie belongs to the holder of an ID number.

One small interface, `verify(name, id_number, selfie) -> ProviderResult`, chosen by the
IDENTITY_PROVIDER setting, so a court plugs in its provider without touching the flows.
`HttpIdentityProvider` speaks a plain JSON protocol; a court with another protocol writes a
subclass of `IdentityProvider` and names it in `PROVIDERS`.

The HTTP protocol: POST IDENTITY_PROVIDER_URL with
    {"name": "...", "id_number": "...", "selfie_jpeg_base64": "..."}
and `Authorization: Bearer IDENTITY_PROVIDER_TOKEN`; the answer is
    {"outcome": "match" | "no_match" | "unknown_person", "score": 0.97, "reference": "..."}.
"""
import base64
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from flask import current_app

audit = logging.getLogger("microcourt.audit")

OUTCOMES = ("match", "no_match", "unknown_person", "unavailable")


@dataclass(frozen=True)
class ProviderResult:
    """`outcome`: match, no_match, unknown_person (no such name + number), unavailable (the
    provider could not be asked: the flow falls back to the clerk)."""
    outcome: str
    score: float | None = None
    reference: str | None = None  # the provider's transaction id, for the record
    provider: str = ""


class IdentityProvider:
    name = "none"

    def verify(self, name, id_number, selfie):  # pragma: no cover - interface
        raise NotImplementedError


class NoProvider(IdentityProvider):
    """No outside provider: the ID card photo and the clerk decide."""
    name = "none"

    def verify(self, name, id_number, selfie):
        return None


class HttpIdentityProvider(IdentityProvider):
    name = "http"

    def __init__(self, url, token=None, timeout=10.0):
        if not url:
            raise ValueError("IDENTITY_PROVIDER_URL is not set")
        self.url, self.token, self.timeout = url, token, float(timeout)

    def verify(self, name, id_number, selfie):
        body = json.dumps({"name": name, "id_number": id_number,
                           "selfie_jpeg_base64": base64.b64encode(selfie).decode()}).encode()
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # noqa: S310 - configured URL
                answer = json.loads(resp.read(65536) or b"{}")
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            audit.warning("identity provider unavailable: %s", exc)
            return ProviderResult("unavailable", provider=self.name)
        outcome = answer.get("outcome") if isinstance(answer, dict) else None
        if outcome not in ("match", "no_match", "unknown_person"):
            audit.warning("identity provider answered %r", answer)
            return ProviderResult("unavailable", provider=self.name)
        score = answer.get("score")
        return ProviderResult(outcome, float(score) if isinstance(score, (int, float)) else None,
                              str(answer.get("reference") or "")[:100] or None, self.name)


PROVIDERS = {"none": lambda cfg: NoProvider(),
             "http": lambda cfg: HttpIdentityProvider(cfg["IDENTITY_PROVIDER_URL"], cfg["IDENTITY_PROVIDER_TOKEN"],
                                                      cfg["IDENTITY_PROVIDER_TIMEOUT"])}


def configured_provider():
    """The provider named by IDENTITY_PROVIDER."""
    cfg = current_app.config
    try:
        make = PROVIDERS[cfg.get("IDENTITY_PROVIDER", "none")]
    except KeyError:
        raise ValueError(f"unknown IDENTITY_PROVIDER {cfg.get('IDENTITY_PROVIDER')!r}") from None
    return make(cfg)
