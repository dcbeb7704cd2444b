"""Low-touch automation end to end, on two `sherpa serve` processes sharing one database.

A CS-ops admin previews Tier 3's welcome email as a dry run, switches it on with a Slack
webhook, and both servers sweep at once. Every contact in the email's roles gets the email
exactly once, under the Message-ID its send record names, with a working unsubscribe link;
the webhook's first post fails and is retried; each send ends on the account's timeline.
"""

import datetime
import hashlib
import hmac
import json
import sys
import threading
import time
import urllib.request

host_a, host_b, token, hook_url, work = sys.argv[1:6]
N = 12
DOMAIN = "example.com"


def call(method, host, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(host + path, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "content-type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def lines(name):
    try:
        with open(f"{work}/{name}.jsonl") as f:
            return [json.loads(line) for line in f]
    except FileNotFoundError:
        return []


def fail(message):
    print(f"outreach: FAILED: {message}")
    sys.exit(1)


today = datetime.date.today()
accounts = []
for i in range(N):
    a = call("POST", host_a, "/api/v1/accounts", {"name": f"Tail {i:02}", "external_id": f"TAIL-{i}"})
    call("POST", host_a, "/api/v1/contracts", {
        "account_id": a["id"], "arr": {"amount": "3000", "currency": "USD"},
        "start_date": str(today - datetime.timedelta(days=3)),
        "end_date": str(today + datetime.timedelta(days=361))})
    for who, roles in (("jane", ["champion"]), ("ada", ["admin"]), ("bob", ["coach"])):
        call("POST", host_a, "/api/v1/contacts", {
            "account_id": a["id"], "name": f"{who.title()} Tail{i}", "email": f"{who}{i}@tail.test",
            "roles": roles})
    accounts.append(a["id"])
expected = {f"{w}{i}@tail.test" for i in range(N) for w in ("jane", "ada")}

# Everyone follows Tier 3; its welcome email (days 3, champions and admins) ships switched off.
config = call("GET", host_a, "/api/v1/engagement/config")
config["rules"] = [config["rules"][-1]]
tier_3 = next(m for m in config["models"] if m["name"] == "Tier 3: automated")
welcome = next(m for m in tier_3["moments"] if m["key"] == "welcome_email")
call("PUT", host_a, "/api/v1/engagement/config", config)

preview = call("POST", host_a, "/api/v1/engagement/preview",
               {"model": "Tier 3: automated", "moment": "welcome_email", "limit": 50})
shown = [s for a in preview["accounts"] for s in a["sends"]]
if preview["live"] or {s["recipient"] for s in shown} != expected:
    fail(f"the preview should show the {len(expected)} champions and admins: {preview}")
if not all(s["outcome"] == "dry_run" for s in shown):
    fail(f"a switched-off email previews as a dry run: {shown[:2]}")
jane = next(s for s in shown if s["recipient"] == "jane0@tail.test")
if jane["subject"] != "Welcome to the product, Jane" or "Tail 00" not in jane["body"]:
    fail(f"the letter is filled in: {jane}")

welcome["email"]["live"] = True
# The Slack URL is a secret: the servers read it from their environment, never from here.
welcome["webhook"] = {"url_env": "TAIL_SLACK_URL", "secret_env": "TAIL_HOOK_SECRET", "slack": True, "live": True}
call("PUT", host_a, "/api/v1/engagement/config", config)

# Both servers sweep at the same moment; their senders race for the outbox.
results = {}
threads = [threading.Thread(target=lambda h=h: results.__setitem__(h, call("POST", h, "/api/v1/engagement/run")))
           for h in (host_a, host_b)]
for t in threads:
    t.start()
for t in threads:
    t.join()
# The refresher hands changed accounts to the engine too, so the servers' own sweep may have
# queued the moment's sends a moment before these runs: count what the outbox holds, not who
# queued it.
outbox = call("GET", host_a, "/api/v1/sends?limit=1000")["items"]
queued = [x for x in outbox if x["moment"] == "welcome_email" and x["status"] != "dry_run"]
if len(queued) != len(expected) + N:
    fail(f"{len(expected)} emails and {N} webhook posts should be queued once: {results}, "
         f"outbox {[(x['recipient'], x['status']) for x in outbox]}")

deadline = time.time() + 150
while time.time() < deadline:
    if len(lines("mail")) >= len(expected) and len(lines("hooks")) >= N:
        break
    pending = call("GET", host_a, "/api/v1/sends?status=pending&limit=1000")
    time.sleep(1)
else:
    fail(f"not everything arrived: {len(lines('mail'))} emails, {len(lines('hooks'))} posts")
time.sleep(3)  # anything sent twice would arrive now

mail, hooks = lines("mail"), lines("hooks")
to = [m["to"][0] for m in mail]
if sorted(to) != sorted(expected):
    fail(f"each champion and admin once, nobody else: {sorted(to)}")
sends = call("GET", host_a, "/api/v1/sends?limit=1000")["items"]
# The outbox pages newest first: following next_cursor two at a time reads the same sends.
paged, cursor = [], None
while True:
    page = call("GET", host_a, "/api/v1/sends?limit=2" + (f"&cursor={cursor}" if cursor else ""))
    paged += page["items"]
    cursor = page["next_cursor"]
    if not cursor:
        break
if [s["id"] for s in paged] != [s["id"] for s in sends]:
    fail(f"the outbox read two at a time differs from one read: {len(paged)} against {len(sends)}")
by_id = {s["message_id"]: s for s in sends}
for m in mail:
    local = m["message_id"].strip("<>").split("@")[0]
    s = by_id.get(local)
    if s is None or s["recipient"] != m["to"][0] or m["message_id"] != f"<{local}@{DOMAIN}>":
        fail(f"the Message-ID names the send record: {m['message_id']}")
    if s["status"] != "sent":
        fail(f"a delivered email is recorded sent: {s}")
    if f"/unsubscribe/{local}" not in m["body"] or f"/unsubscribe/{local}" not in m["list_unsubscribe"]:
        fail(f"the unsubscribe link is in the body and the header: {m}")
    if m["list_unsubscribe_post"] != "List-Unsubscribe=One-Click":
        fail(f"the email offers one-click unsubscribe (RFC 8058): {m}")
if len({m["message_id"] for m in mail}) != len(mail):
    fail("a Message-ID twice")
if len(hooks) != N or any(list(h["body"]) != ["text"] for h in hooks):
    fail(f"one Slack-shaped post per account: {hooks[:2]}")
if any(h["path"] != "/services/T000/B000/XXXX" for h in hooks):
    fail("the post goes to the configured path")
# Each post is signed as the README says a receiver checks it: HMAC-SHA256 of "t.body" with the
# webhook's secret, t within five minutes.
for h in hooks:
    parts = dict(p.split("=", 1) for p in (h["signature"] or "").split(","))
    want = hmac.new(b"whsec-outreach-test", f"{parts.get('t')}.{h['raw']}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(parts.get("v1", ""), want) or abs(time.time() - int(parts["t"])) > 300:
        fail(f"a webhook post's signature does not verify: {h['signature']}")
posts = [s for s in sends if s["channel"] == "webhook"]
if any(s["status"] != "sent" for s in posts) or max(s["attempts"] for s in posts) != 2:
    fail(f"the post answered 503 was retried once and sent: {[(s['status'], s['attempts'], s['last_error']) for s in posts]}")
if any("XXXX" in json.dumps(x) for x in (sends, call("GET", host_a, "/api/v1/engagement/config"))):
    fail("the webhook's secret URL is never stored or shown")
if any(s["recipient"] != "$TAIL_SLACK_URL" for s in posts):
    fail(f"a post names the variable that holds its URL: {posts[0]['recipient']}")

for acc in accounts:
    e = call("GET", host_a, f"/api/v1/accounts/{acc}/engagement")
    if [f["moment"] for f in e["fired"]].count("welcome_email") != 1:
        fail(f"the welcome moment fires once: {e['fired']}")
    timeline = call("GET", host_a, f"/api/v1/activities?account_id={acc}&limit=50")["items"]
    auto = [t for t in timeline if t["kind"] == "automated"]
    if len(auto) != 3:
        fail(f"two emails and a post on the timeline: {auto}")

again = [call("POST", h, "/api/v1/engagement/run") for h in (host_a, host_b)]
if any(r["sends"] for r in again):
    fail(f"a second sweep sends nothing: {again}")

# Jane 0 follows her link (one-click POST): the next letters leave her out.
link = next(m for m in mail if m["to"][0] == "jane0@tail.test")["list_unsubscribe"].strip("<>")
# As a mail provider does it (RFC 8058).
req = urllib.request.Request(link, data=b"List-Unsubscribe=One-Click", method="POST",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
with urllib.request.urlopen(req) as r:
    page = r.read().decode()
if "will get no more automated emails" not in page:
    fail(f"the unsubscribe page confirms: {page[:300]}")
preview = call("POST", host_b, "/api/v1/engagement/preview",
               {"model": "Tier 3: automated", "moment": "welcome_email", "limit": 50})
jane = next(s for a in preview["accounts"] for s in a["sends"] if s["recipient"] == "jane0@tail.test")
if jane["outcome"] != "skipped" or jane["reason"] != "unsubscribed":
    fail(f"an unsubscribed contact is skipped: {jane}")

print(f"outreach: {N} accounts on two servers, {len(mail)} emails and {len(hooks)} webhook posts, "
      "each once; retry, timeline and unsubscribe checked; passed")
