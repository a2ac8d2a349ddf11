#!/usr/bin/env python3
"""Signs Koe attribution tokens and rating links with the standard library only.

Run without arguments, it prints the three test-vector tokens of
shared/docs/attribution-token.md, one per line (the test suite checks them).
"""
import base64
import hashlib
import hmac
import struct


def _field(value):
    data = (value or "").encode("utf-8")
    return struct.pack(">H", len(data)) + data


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def koe_token(secret, site, interaction, agent, team, channel, expires_at, question=None, score=None,
              customer=None):
    """question/score: the offer of a rating link ("csat" 1-5 or "nps" 0-10), else None.
    customer: your id for the customer, for the site's survey cooldown (widget tokens only)."""
    version = 2 if question else 3 if customer else 1
    payload = bytes([version]) + struct.pack(">Q", expires_at)
    payload += b"".join(_field(v) for v in (site, interaction, agent, team, channel))
    if question:
        payload += _field(question) + bytes([score])
    elif customer:
        payload += _field(customer)
    mac = hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).digest()
    return _b64(payload) + "." + _b64(mac)


def rating_link(collector, token, lang="en"):
    return f"{collector}/s/{token}?lang={lang}"


if __name__ == "__main__":
    SECRET = "koe_ss_test-vector-secret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
    print(koe_token(SECRET, "site_demo", "chat-2026-0001", "agent-佐藤", "tokyo", "chat", 1800000000))
    print(koe_token(SECRET, "site_demo", "ticket-8812", "agent-佐藤", "tokyo", "email", 1800000000, "csat", 4))
    print(koe_token(SECRET, "site_demo", "chat-2026-0002", "agent-佐藤", "tokyo", "chat", 1800000000,
                    customer="customer-0042"))
