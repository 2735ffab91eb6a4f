"""A payment gateway on loopback for tests: it takes signed orders, shows a pay page, and pays by
POSTing a signed callback to the court (the HMAC scheme of app/services/payments.py)."""
import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from app.services.payments import SIGNATURE_HEADER, sign


class LoopbackGateway:
    def __init__(self, secret="gw-secret"):
        self.secret = secret
        self.orders = {}      # gateway id -> order JSON
        self.callbacks = []   # (status, body) answered by the court
        self.refused_orders = 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                path = urlparse(self.path).path
                if path == "/orders":
                    if self.headers.get(SIGNATURE_HEADER) != sign(gateway.secret, body):
                        gateway.refused_orders += 1
                        return self._send(401, {"error": "bad signature"})
                    order = json.loads(body)
                    gid = f"gw{len(gateway.orders) + 1}"
                    gateway.orders[gid] = order
                    return self._send(200, {"id": gid, "pay_url": f"{gateway.url}/pay/{gid}"})
                if path.startswith("/pay/"):  # the payer presses "pay" on the gateway's page
                    gid = path.rsplit("/", 1)[1]
                    gateway.pay(gid)
                    self.send_response(303)
                    self.send_header("Location", gateway.orders[gid]["return_url"])
                    self.end_headers()
                    return None
                return self._send(404, {})

            def do_GET(self):
                path = urlparse(self.path).path
                gid = path.rsplit("/", 1)[-1]
                order = gateway.orders.get(gid)
                if not path.startswith("/pay/") or order is None:
                    return self._send(404, {})
                html = (f"<!doctype html><meta charset=utf-8><title>Loopback pay</title><h1>Pay {order['amount']} CNY</h1>"
                        f"<p>{order['description']}</p><form method=post action=/pay/{gid}><button id=pay>Pay</button></form>")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(html.encode())
                return None

            def _send(self, status, data):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(data).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def callback_body(self, gid, amount=None, payment_id=None, status="paid"):
        order = self.orders[gid]
        return json.dumps({"order_ref": order["order_ref"], "payment_id": payment_id or f"pay-{gid}",
                           "amount": amount or order["amount"], "status": status}).encode()

    def pay(self, gid):
        """POST the signed callback to the order's notify_url, as a real gateway would."""
        body = self.callback_body(gid)
        req = urllib.request.Request(self.orders[gid]["notify_url"], data=body, method="POST", headers={
            "Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body)})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                self.callbacks.append((resp.status, resp.read()))
        except urllib.error.HTTPError as exc:
            self.callbacks.append((exc.code, exc.read()))

    def close(self):
        self.server.shutdown()
