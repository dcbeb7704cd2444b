"""Every XLSX Sherpa writes opens in openpyxl (PyPI) with typed cells: amounts are numbers in a
money format that a spreadsheet can sum, days are dates, ids stay text, and columns are sized.
Run by scripts/api-fuzz against its demo: check.py BASE_URL SHERPA_BIN DB_URL WORKDIR."""
import datetime
import http.cookiejar
import io
import json
import subprocess
import sys
import urllib.parse
import urllib.request
from decimal import Decimal

import openpyxl

base, sherpa, db, work = sys.argv[1:5]


def fail(message):
    print(f"xlsx: FAILED: {message}")
    sys.exit(1)


def sheet(data):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def columns(ws):
    return {c.value: c.column_letter for c in ws[1]}


def cells(ws, header):
    letter = columns(ws)[header]
    return [c for c in ws[letter][1:] if c.value is not None]


def cli(*args):
    return subprocess.run([sherpa, "--db", db, *args], check=True, capture_output=True).stdout


# The portfolio, downloaded as a signed-in leader would.
jar = http.cookiejar.CookieJar()
web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
form = urllib.parse.urlencode({"email": "admin@sherpa.example", "password": "sherpa-demo-password", "next": "/"})
web.open(urllib.request.Request(f"{base}/login", data=form.encode(), headers={"Origin": base}))
portfolio = sheet(web.open(f"{base}/portfolio/export?format=xlsx").read())
heads = [c.value for c in portfolio[1]]
for h in ["Account", "ARR", "Renewal", "Health", "Health colour", "Plan", "Industry", "Country", "CSM"]:
    if h not in heads:
        fail(f"the portfolio export lacks the screen's column {h!r}: {heads}")
arr = cells(portfolio, "ARR")
if not arr or not all(isinstance(c.value, (int, float)) for c in arr):
    fail(f"ARR is not numbers: {[c.value for c in arr[:5]]}")
if {c.number_format for c in arr} != {"#,##0.00"}:
    fail(f"ARR is not in a money format: {sorted({c.number_format for c in arr})}")
if not all(isinstance(c.value, datetime.datetime) for c in cells(portfolio, "Renewal")):
    fail("renewal days are not dates")
if not all(isinstance(c.value, str) for c in cells(portfolio, "Sherpa id")):
    fail("ids are not text")
if not all(isinstance(c.value, int) for c in cells(portfolio, "Health")):
    fail("health scores are not numbers")
narrow = [h for h, letter in columns(portfolio).items() if (portfolio.column_dimensions[letter].width or 0) < len(h) * 0.9]
if narrow:
    fail(f"columns narrower than their header: {narrow}")

# The sum a finance person takes in the spreadsheet equals the book's ARR, currency by currency.
book = json.loads(cli("export", "accounts", "--format", "json"))
want, got = {}, {}
for a in book:
    if a["arr"]:
        want[a["currency"]] = want.get(a["currency"], Decimal(0)) + Decimal(a["arr"])
cur = columns(portfolio)["Currency"]
for c in arr:
    key = portfolio[f"{cur}{c.row}"].value
    got[key] = got.get(key, Decimal(0)) + Decimal(str(c.value))
if {k: v.quantize(Decimal("0.01")) for k, v in got.items()} != {k: v for k, v in want.items() if v}:
    fail(f"the spreadsheet's ARR sums {got} differ from the book's {want}")

# The command-line exports and reports.
contracts = sheet(cli("export", "contracts", "--format", "xlsx"))
if not all(isinstance(c.value, (int, float)) and c.number_format == "#,##0.00" for c in cells(contracts, "arr")):
    fail("contract ARR is not money")
if not all(isinstance(c.value, datetime.datetime) for c in cells(contracts, "start_date")):
    fail("contract starts are not dates")
if not all(isinstance(c.value, str) for c in cells(contracts, "external_id")):
    fail("contract ids are not text")
accounts = sheet(cli("export", "accounts", "--format", "xlsx"))
if not all(isinstance(c.value, int) for c in cells(accounts, "employees")):
    fail("employees are not numbers")
renewals = sheet(cli("report", "renewals", "--format", "xlsx"))
if not all(isinstance(c.value, (int, float)) for c in cells(renewals, "Reporting ARR")):
    fail("renewal ARR is not numbers")
retention = sheet(cli("report", "retention", "--format", "xlsx"))
if not all(isinstance(c.value, (int, float)) for c in cells(retention, "Start MRR")):
    fail("retention MRR is not numbers")
print(f"xlsx: portfolio, accounts, contracts, renewals and retention typed ({len(arr)} ARR cells summing to the book's ARR per currency), checked by openpyxl")
