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

Service facts (README, "Service facts"; docs/metrics.md): import this file as a module and call

    put_facts(base, site, key, "chat-1042", {"resolved_at": "2026-12-01T16:30:00+09:00", …})
    put_facts_batch(base, site, key, {"chat-1042": {…}, "mail-77": {…}})   # up to 1 000
    put_volume(base, site, key, "2026-12-01", 2000)                        # active users
    service_report(base, site, key, start="2026-12-01", end="2026-12-07", bucket="day",
                   group_by=["agent"])                                      # or drivers=True

The first three need a `write` key (`koe key create --site SITE_KEY --role write`; an admin key
also works), service_report a `read` key. They fail like the rest: the error body on stderr,
exit 1 — a refused fact is 422 "invalid_facts" whose "field" names what to fix.
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


def site_url(base, site):
    """The API's address of one site: BASE/api/v1/sites/SITE."""
    return "%s/api/v1/sites/%s" % (base.rstrip("/"), urllib.parse.quote(site, safe=""))


def put_facts(base, site, key, interaction, facts):
    """Sends one interaction's facts (PUT …/interactions/{interaction}).

    Only the keys in `facts` change: a key left out keeps what Koe stored, None clears it (a
    reopen: {"resolved_at": None, "reopened": 1, "contacts": 2}), a value replaces it. Times are
    RFC 3339 text with an offset ("2026-12-01T16:00:00+09:00"). Returns what is stored:
    {"interaction", "status": "created" | "updated", "counts_on": "YYYY-MM-DD", "facts": {…}}.
    """
    url = "%s/interactions/%s" % (site_url(base, site), urllib.parse.quote(interaction, safe=""))
    return call("PUT", url, key, facts)


def put_facts_batch(base, site, key, facts_by_interaction):
    """Sends up to 1 000 interactions' facts in one call (POST …/interactions): a dict of
    interaction id → facts, each as put_facts takes them. All are stored or none; returns
    {"created": n, "updated": n, "interactions": [as put_facts returns, in order]}.
    """
    if len(facts_by_interaction) > 1000:
        raise ValueError("a batch holds at most 1000 interactions: send the rest in another")
    body = {"interactions": [{"interaction": interaction, "facts": facts}
                             for interaction, facts in facts_by_interaction.items()]}
    return call("POST", site_url(base, site) + "/interactions", key, body)


def put_volume(base, site, key, day, active_users):
    """Sets a local day's active users, the contact rate's denominator (PUT …/volumes/{day});
    `day` is "YYYY-MM-DD" or a datetime.date in the site's time zone. Last write wins."""
    day = day.isoformat() if hasattr(day, "isoformat") else day
    return call("PUT", "%s/volumes/%s" % (site_url(base, site), day), key,
                {"active_users": active_users})


def service_report(base, site, key, start=None, end=None, bucket=None, group_by=(),
                   drivers=False, **filters):
    """Reads the service KPIs (GET …/service) or, with drivers=True, satisfaction against the
    facts (GET …/service/drivers). `start` and `end` are local days ("YYYY-MM-DD", both ends
    inclusive; default: the 30 days to today), `bucket` day | week | month | all, `group_by`
    any of agent, channel, team, topic; `filters` agent=, channel=, team=, topic= (the drivers
    take team and channel). Every KPI comes as {"value", "low", "high", "n"} or None.
    """
    query = {"from": start, "to": end, "bucket": bucket,
             "group_by": ",".join(group_by) or None}
    query.update(filters)
    query = urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
    path = "/service/drivers" if drivers else "/service"
    return call("GET", site_url(base, site) + path + ("?" + query if query else ""), key)


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
    site_api = site_url(args.url, args.site)

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
