"""The usual onboarding order through the real PyPI client: the product sends a group call for
a company the book does not hold yet, the user's tracks (without a group), and a second user's
identify and group call; then the account is created through the API and one more track is
sent. Every call must end up on the new account, within the server's job tick."""

import json
import sys
import time
import urllib.request

from segment.analytics import Client

host, key, token = sys.argv[1], sys.argv[2], sys.argv[3]


def call(method, path, body=None):
    req = urllib.request.Request(host + path, method=method, data=json.dumps(body).encode() if body else None,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def late_events():
    events, cursor = [], ""
    while True:
        page = call("GET", f"/api/v1/events?limit=1000&cursor={cursor}")
        events += [e for e in page["items"] if e["user"].startswith("late-")]
        cursor = page.get("next_cursor")
        if not cursor:
            return events


errors = []
client = Client(write_key=key, host=host, sync_mode=True, on_error=lambda e, batch: errors.append(str(e)))
client.group("late-0", "LATECO", {"name": "LateCo"})
for i in range(5):
    client.track("late-0", "Report Built", {"rows": i})
client.identify("late-1", {"email": "late-1@lateco.example"})
client.group("late-1", "LATECO", {"name": "LateCo"})
client.flush()
waiting = {g["group_id"]: g["events"] for g in call("GET", "/api/v1/intake/status")["unmapped_groups"]}
if waiting.get("LATECO") != 8:
    sys.exit(f"late account: the intake says {waiting.get('LATECO')} messages wait for LATECO, 8 do")
account = call("POST", "/api/v1/accounts", {"name": "LateCo", "external_id": "LATECO"})["id"]
client.track("late-0", "Export")
client.flush()
if errors:
    sys.exit(f"late account: the client reported errors: {errors}")
for _ in range(30):
    events = late_events()
    if len(events) == 9 and all(e["account_id"] == account for e in events):
        break
    time.sleep(1)
else:
    on = sum(e["account_id"] == account for e in events)
    sys.exit(f"late account: {on} of {len(events)} messages on the new account after 30 s (9 sent)")
print("late account: 9 messages sent before and just after the account was created, all on it")
