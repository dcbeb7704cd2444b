"""A local SMTP sink (aiosmtpd) and a webhook receiver for the outreach test.

Every message the SMTP sink accepts and every POST the receiver gets is appended as one JSON
line to a file of the work directory. The receiver answers its first post 503, so that the
test sees a failure recorded and retried. Prints "ready" when both listen; runs until killed.
"""

import json
import sys
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

work, smtp_port, http_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lock = threading.Lock()


def record(name, entry):
    with lock, open(f"{work}/{name}.jsonl", "a") as f:
        f.write(json.dumps(entry) + "\n")


class Mailbox:
    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        record("mail", {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "message_id": msg["Message-ID"],
            "subject": msg["Subject"],
            "list_unsubscribe": msg["List-Unsubscribe"],
            "list_unsubscribe_post": msg["List-Unsubscribe-Post"],
            "body": msg.get_body(preferencelist=("plain",)).get_content(),
        })
        return "250 OK"


class Hooks(BaseHTTPRequestHandler):
    posts = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        with lock:
            Hooks.posts += 1
            first = Hooks.posts == 1
        if first:
            self.send_response(503)
            self.end_headers()
            return
        record("hooks", {
            "path": self.path,
            "message_id": self.headers.get("x-sherpa-message-id"),
            "content_type": self.headers.get("content-type"),
            "signature": self.headers.get("sherpa-signature"),
            "raw": body.decode(),
            "body": json.loads(body),
        })
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


controller = Controller(Mailbox(), hostname="127.0.0.1", port=smtp_port)
controller.start()
http = ThreadingHTTPServer(("127.0.0.1", http_port), Hooks)
print("ready", flush=True)
http.serve_forever()
