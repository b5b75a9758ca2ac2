#!/usr/bin/env python3
"""Builds the data of scripts/bench-http through salestrack's API (Python 3 standard library only).

    bench_data.py build  --base URL --admin-email E --admin-password P --out DIR [--salespeople N]
    bench_data.py logins --base URL --out DIR [--count 100] [--concurrency 8]

`build` makes, as the admin: an office under the company, a supervisor who manages it, N
salespeople in it, 10 customers owned by each (with positions), then logs everyone in and, as
each salesperson, writes two daily reports (yesterday and the day before, three visits each).
It writes into DIR what the wrk scripts read:
  supervisor.token   the supervisor's access token
  customers.txt      every customer id, one a line
  salespeople.txt    one line per salesperson: their access token, then their 10 customer ids
  login.json         the email and password of one salesperson (for `logins`)
`logins` logs that salesperson in COUNT times, CONCURRENCY at once, and fails on any non-200.
"""

import argparse
import concurrent.futures
import json
import os
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

PASSWORD = "bench-password-123"


class Api:
    def __init__(self, base):
        self.base = base.rstrip("/") + "/api/v1"

    def call(self, method, path, body=None, token=None, headers=None, expect=(200, 201)):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=120) as res:
                status, raw, hdrs = res.status, res.read(), res.headers
        except urllib.error.HTTPError as e:
            status, raw, hdrs = e.code, e.read(), e.headers
        if status not in expect:
            sys.exit(f"{method} {path}: {status} {raw[:500]!r}")
        return (json.loads(raw) if raw else None), hdrs

    def login(self, email, password):
        body, _ = self.call("POST", "/auth/login", {"email": email, "password": password})
        return body["access_token"]


def parallel(fn, items, workers=4):
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))


def visit(customer, d, i):
    start = f"{d.isoformat()}T{9 + i:02d}:00:00Z"
    end = f"{d.isoformat()}T{9 + i:02d}:40:00Z"
    return {
        "customer_id": customer,
        "started_at": start,
        "ended_at": end,
        "purpose": "ordering",
        "outcome": "order_placed",
        "effective": True,
        "order_amount_minor": 10_000 + i,
        "collected_amount_minor": 0,
    }


def build(args):
    started = time.time()
    api = Api(args.base)
    admin = api.login(args.admin_email, args.admin_password)
    me, _ = api.call("GET", "/me", token=admin)
    root = me["user"]["org_unit_id"]
    office, hdrs = api.call(
        "POST", "/org-units", {"name": "Bench office", "code": "BENCH-O1", "parent_id": root}, admin
    )
    supervisor_email = "supervisor@bench.local"
    supervisor, _ = api.call(
        "POST",
        "/users",
        {
            "email": supervisor_email,
            "name": "Bench supervisor",
            "role": "supervisor",
            "org_unit_id": office["id"],
            "password": PASSWORD,
        },
        admin,
    )
    api.call(
        "PATCH",
        f"/org-units/{office['id']}",
        {"manager_id": supervisor["id"]},
        admin,
        headers={"If-Match": hdrs["ETag"]},
    )

    def make_seller(i):
        email = f"seller{i:04d}@bench.local"
        user, _ = api.call(
            "POST",
            "/users",
            {
                "email": email,
                "name": f"Seller {i:04d}",
                "role": "salesperson",
                "org_unit_id": office["id"],
                "password": PASSWORD,
            },
            admin,
        )
        return user["id"], email

    sellers = parallel(make_seller, range(args.salespeople))
    rows = []
    for i, (seller, _) in enumerate(sellers):
        for c in range(args.customers_per):
            n = i * args.customers_per + c
            rows.append(
                {
                    "external_id": f"BENCH-C{n:06d}",
                    "code": f"C{n:06d}",
                    "name": f"Customer {n:06d}",
                    "org_unit_id": office["id"],
                    "owner_id": seller,
                    "status": "active",
                    "latitude": 53.55 + n * 1e-5,
                    "longitude": 9.99 + n * 1e-5,
                }
            )
    for k in range(0, len(rows), 1000):
        api.call("POST", "/customers/bulk", {"rows": rows[k : k + 1000]}, admin)
    # Ids by external id (the supervisor reaches the whole office).
    sup_token = api.login(supervisor_email, PASSWORD)
    ids, cursor = {}, None
    while True:
        page, _ = api.call(
            "GET", "/customers?limit=500" + (f"&cursor={cursor}" if cursor else ""), token=sup_token
        )
        for c in page["items"]:
            ids[c["external_id"]] = c["id"]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert len(ids) == len(rows), (len(ids), len(rows))
    tokens = parallel(lambda s: api.login(s[1], PASSWORD), sellers)

    # The company's time zone is UTC (the default), so its business day is UTC's.
    today = datetime.now(timezone.utc).date()

    def reports(i):
        mine = [ids[f"BENCH-C{i * args.customers_per + c:06d}"] for c in range(args.customers_per)]
        for back in (1, 2):
            d = today - timedelta(days=back)
            api.call(
                "POST",
                "/daily-reports",
                {
                    "report_date": d.isoformat(),
                    "attendance": "present",
                    "visits": [visit(mine[v], d, v) for v in range(3)],
                },
                tokens[i],
            )
        return mine

    owned = parallel(reports, range(len(sellers)))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "supervisor.token"), "w") as f:
        f.write(sup_token + "\n")
    with open(os.path.join(args.out, "customers.txt"), "w") as f:
        f.write("\n".join(ids[r["external_id"]] for r in rows) + "\n")
    with open(os.path.join(args.out, "salespeople.txt"), "w") as f:
        for token, mine in zip(tokens, owned):
            f.write(" ".join([token] + mine) + "\n")
    with open(os.path.join(args.out, "login.json"), "w") as f:
        json.dump({"email": sellers[0][1], "password": PASSWORD}, f)
    print(
        f"data: 1 office, 1 supervisor, {len(sellers)} salespeople, {len(rows)} customers, "
        f"{2 * len(sellers)} daily reports in {time.time() - started:.1f} s"
    )


def logins(args):
    api = Api(args.base)
    with open(os.path.join(args.out, "login.json")) as f:
        who = json.load(f)
    started = time.time()
    parallel(lambda _: api.login(who["email"], who["password"]), range(args.count), args.concurrency)
    print(f"logins: {args.count} in {time.time() - started:.1f} s ({args.concurrency} at once)")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["build", "logins"])
    p.add_argument("--base", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--admin-email")
    p.add_argument("--admin-password")
    p.add_argument("--salespeople", type=int, default=120)
    p.add_argument("--customers-per", type=int, default=10)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--concurrency", type=int, default=8)
    args = p.parse_args()
    build(args) if args.command == "build" else logins(args)


if __name__ == "__main__":
    main()
