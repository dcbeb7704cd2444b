"""Checks what the real clients sent: every call stored exactly once, mapped to ACME."""

import json
import sys
import time
import urllib.request

host, token, account = sys.argv[1], sys.argv[2], sys.argv[3]


def get(path):
    req = urllib.request.Request(host + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def stored():
    events, cursor = [], ""
    while True:
        page = get(f"/api/v1/events?limit=1000&cursor={cursor}")
        events += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return events


# Calls a client sent in separate requests can arrive out of order; an event that came before
# its user's group call attaches within the server's next job tick (5 s).
for attempt in range(20):
    events = stored()
    if all(e["account_id"] == account for e in events):
        break
    time.sleep(1)
failures = []
for prefix, library in (("py-user-", "analytics-python"), ("node-user-", "@segment/analytics-node")):
    mine = [e for e in events if e["user"].startswith(prefix)]
    kinds = sorted(e["kind"] for e in mine)
    expected = sorted(["group"] * 3 + ["identify"] * 3 + ["track"] * 15 + ["page"] * 6)
    if kinds != expected:
        failures.append(f"{library}: stored {kinds}, expected {expected}")
    ids = [e["messageId"] for e in mine]
    if len(ids) != len(set(ids)):
        failures.append(f"{library}: a message stored twice")
    unmapped = [e for e in mine if e["account_id"] != account]
    if unmapped:
        failures.append(f"{library}: {len(unmapped)} events not on account {account}")
    libs = {e["message"].get("context", {}).get("library", {}).get("name") for e in mine}
    if library not in libs:
        failures.append(f"{library}: the messages do not name the client ({libs})")
status = get("/api/v1/intake/status")
if status["rejected"]:
    failures.append(f"the intake rejected {status['rejected']} messages: {status['last_rejections'][:3]}")
if failures:
    sys.exit("\n".join(failures))
print(f"intake clients: 2 passed ({len(events)} events, each once, on account {account})")
