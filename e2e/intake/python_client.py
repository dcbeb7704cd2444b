"""Sends usage through the real PyPI client `segment-analytics-python`, as a product team's
backend would: group, identify, tracks and pages for three users of account ACME (gzip on)."""

import sys

from segment.analytics import Client

host, key = sys.argv[1], sys.argv[2]
errors = []
client = Client(write_key=key, host=host, sync_mode=True, gzip=True,
                on_error=lambda e, batch: errors.append(str(e)))
for u in range(3):
    user = f"py-user-{u}"
    client.group(user, "ACME", {"name": "Acme"})
    client.identify(user, {"email": f"{user}@acme.example", "name": f"Python user {u}"})
    for i in range(5):
        client.track(user, "Report Built", {"rows": i})
    client.page(user, "Docs", "Getting started")
    client.page(user, "App", "Dashboard")
client.flush()
if errors:
    sys.exit(f"the client reported errors: {errors}")
print("python client: 27 calls sent")
