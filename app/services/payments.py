"""Payment gateways for court fees: one small interface, and an HTTP implementation with signed callbacks.

A gateway creates an order (`create_order`) and later tells the court, by a callback POST to
/fees/callback, that it was paid. The callback body is JSON {order_ref, payment_id, amount, status}
signed with HMAC-SHA256 over the raw body under a shared secret (header `X-Signature`, hex); the
court checks the signature in constant time before it reads anything. The order request is signed
the same way, so the gateway can check it came from the court.
"""
import hashlib
import hmac
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import urllib.error
import urllib.request

from flask import current_app

from app.services.errors import DomainError, N_
from app.services.fees import BadSignature

SIGNATURE_HEADER = "X-Signature"


@dataclass
class CreatedOrder:
    gateway_id: str
    pay_url: str


@dataclass
class PaymentNotice:
    order_ref: str
    payment_id: str
    amount: Decimal
    status: str


class PaymentGateway:
    """The interface: a gateway makes orders and verifies its own callbacks."""
    name = "base"

    def create_order(self, *, order_ref, amount, description, notify_url, return_url) -> CreatedOrder:
        raise NotImplementedError

    def verify_callback(self, body: bytes, signature: str) -> PaymentNotice:
        raise NotImplementedError


def sign(secret, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class GatewayError(DomainError):
    status = 502
    message = N_("The payment service cannot be reached just now. Nothing was charged; try again in a few minutes.")


class HttpGateway(PaymentGateway):
    """JSON over HTTP: POST {url}/orders, and callbacks signed with the same secret."""
    name = "http"

    def __init__(self, url, secret, merchant_id="microcourt", timeout=10):
        if not url or not secret:
            raise ValueError("PAYMENT_GATEWAY_URL and PAYMENT_GATEWAY_SECRET are required")
        self.url, self.secret, self.merchant_id, self.timeout = url.rstrip("/"), secret, merchant_id, timeout

    def create_order(self, *, order_ref, amount, description, notify_url, return_url):
        body = json.dumps({"merchant_id": self.merchant_id, "order_ref": order_ref, "amount": f"{amount:.2f}",
                           "currency": "CNY", "description": description, "notify_url": notify_url,
                           "return_url": return_url}, ensure_ascii=False, separators=(",", ":")).encode()
        req = urllib.request.Request(f"{self.url}/orders", data=body, method="POST", headers={
            "Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body), "Idempotency-Key": order_ref})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                data = json.loads(resp.read())
            return CreatedOrder(gateway_id=str(data["id"]), pay_url=str(data["pay_url"]))
        except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
            raise GatewayError() from exc

    def verify_callback(self, body, signature):
        if not signature or not hmac.compare_digest(sign(self.secret, body), signature.strip().lower()):
            raise BadSignature()
        try:
            data = json.loads(body)
            amount = Decimal(str(data["amount"]))
            return PaymentNotice(order_ref=str(data["order_ref"]), payment_id=str(data["payment_id"])[:64],
                                 amount=amount.quantize(Decimal("0.01")), status=str(data.get("status", "paid")))
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            raise BadSignature() from exc


def configured_gateway():
    """The court's gateway from the config, or None (then only a finance clerk records payments)."""
    if current_app.config.get("PAYMENT_GATEWAY") != "http":
        return None
    return HttpGateway(current_app.config.get("PAYMENT_GATEWAY_URL"), current_app.config.get("PAYMENT_GATEWAY_SECRET"),
                       current_app.config.get("PAYMENT_MERCHANT_ID") or "microcourt")
