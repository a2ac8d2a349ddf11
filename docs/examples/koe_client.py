#!/usr/bin/env python3
"""Koe API example: make rating links for one interaction, then read this week's scores by agent.

Standard library only (Python 3.9+). Needs an *admin* API key
(`koe key create --site SITE_KEY --role admin`): links and the site's settings (its time zone) are admin-only; scores need `read`,
which an admin key also has.

    python3 koe_client.py --url http://127.0.0.1:8080 --site SITE_KEY --key API_KEY \
        [--interaction order-1001] [--agent alice] [--json]

--url, --site and --key default to the KOE_URL, KOE_SITE and KOE_API_KEY environment variables.

Plain output: the survey URL, then one line per agent:  agent  n  CSAT% [low–high]  NPS

With --json, exactly one JSON object goes to stdout (keys always present, in this order):

    {"survey_url": "http://…/s/TOKEN?lang=en" | null,
     "agents": [{"agent": "alice" | null,       # null: answers sent without an agent
                 "responses": 3,                  # answered interactions this week
                 "csat": {"value": 66.7, "low": 20.8, "high": 93.9, "n": 3} | null,
                 "nps":  {"value": 0.0, "low": …, "high": …, "n": 2} | null}, …]}

`csat` is a percentage (share of 4–5 answers), `nps` is in points (−100…100); each is null when
nobody answered that question, and is passed through from the API unchanged (95 % interval, n).
`survey_url` is null when the site's sampling or cooldown suppressed the links (the reason,
"sampled_out" or "cooldown", goes to stderr). "This week" is Monday to today in the site's own
time zone (from its settings, `GET /api/v1/sites/{site}`), the zone its days are counted in.

On an HTTP error the API's JSON error body {"error": code, "message": …} is printed to stderr
(non-JSON bodies and unreachable servers are wrapped in the same shape) and the exit code is 1.
"""
import argparse
import datetime
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import zoneinfo


def call(method, url, key, body=None):
    """One API call; returns the decoded JSON answer or exits 1 with the error on stderr."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", "Bearer " + key)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")  # required by the collector
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as e:  # 4xx/5xx: Koe answers {"error": code, "message": …}
        text = e.read().decode("utf-8", "replace")
        try:
            error = json.loads(text)
        except ValueError:  # e.g. an error page from a proxy in front of Koe
            error = {"error": "http_%d" % e.code, "message": text.strip() or e.reason}
    except urllib.error.URLError as e:  # no HTTP answer at all
        error = {"error": "unreachable", "message": str(e.reason)}
    print(json.dumps(error, ensure_ascii=False), file=sys.stderr)
    sys.exit(1)


def main():
    env = os.environ.get
    p = argparse.ArgumentParser(description="Make Koe rating links and print this week's scores.")
    p.add_argument("--url", default=env("KOE_URL"), help="collector base URL (env KOE_URL)")
    p.add_argument("--site", default=env("KOE_SITE"), help="site key (env KOE_SITE)")
    p.add_argument("--key", default=env("KOE_API_KEY"), help="admin API key (env KOE_API_KEY)")
    p.add_argument("--interaction", default="order-1001", help="your ticket/order id")
    p.add_argument("--agent", default="alice", help="who handled the interaction")
    p.add_argument("--json", action="store_true", help="print one JSON object (see docstring)")
    args = p.parse_args()
    for name, var in (("url", "KOE_URL"), ("site", "KOE_SITE"), ("key", "KOE_API_KEY")):
        if not getattr(args, name):
            p.error("--%s is required (or set %s)" % (name, var))
    site_api = "%s/api/v1/sites/%s" % (args.url.rstrip("/"), urllib.parse.quote(args.site, safe=""))

    # 1. Rating links: 201 with survey_url, csat/nps [{score, url}], html, text, expires_at;
    #    or 200 {"interaction": …, "suppressed": "sampled_out" | "cooldown"}.
    links = call("POST", site_api + "/links", args.key, {
        "interaction": args.interaction, "agent": args.agent, "channel": "email", "lang": "en"})
    survey_url = links.get("survey_url")
    if survey_url is None:
        print("links suppressed: %s" % links.get("suppressed"), file=sys.stderr)

    # 2. This week's scores, one row per agent. Dates are days in the site's time zone
    #    (YYYY-MM-DD, both ends inclusive), so "today" is asked of the site's settings.
    zone = call("GET", site_api, args.key)["timezone"]
    today = datetime.datetime.now(zoneinfo.ZoneInfo(zone)).date()
    monday = today - datetime.timedelta(days=today.weekday())
    query = urllib.parse.urlencode({"from": monday.isoformat(), "to": today.isoformat(),
                                    "bucket": "all", "group_by": "agent"})
    report = call("GET", site_api + "/scores?" + query, args.key)
    agents = [{"agent": row.get("agent"),  # absent from the row when the answers had no agent
               "responses": row["responses"],
               "csat": row.get("csat"),
               "nps": row.get("nps")} for row in report["rows"]]

    if args.json:
        print(json.dumps({"survey_url": survey_url, "agents": agents}, ensure_ascii=False))
        return
    if survey_url:
        print("Survey link:", survey_url)
    print("Scores %s to %s" % (report["from"], report["to"]))
    print("%-16s %5s  %-22s %s" % ("agent", "n", "CSAT% [low–high]", "NPS"))
    for a in agents:
        c, n = a["csat"], a["nps"]
        csat = "%.0f%% [%.0f–%.0f]" % (c["value"], c["low"], c["high"]) if c else "–"
        nps = "%+.0f" % n["value"] if n else "–"
        print("%-16s %5d  %-22s %s" % (a["agent"] or "(no agent)", a["responses"], csat, nps))


if __name__ == "__main__":
    main()
