#!/bin/sh
# Signs a Koe token with POSIX sh and openssl. Usage:
#   sign.sh SECRET SITE INTERACTION AGENT TEAM CHANNEL EXPIRES_AT [QUESTION SCORE | CUSTOMER]
# Without arguments it prints the three test-vector tokens of shared/docs/attribution-token.md.
set -eu

hex_u16() { printf '%04x' "$1"; }
hex_u64() { printf '%016x' "$1"; }
# A field: its byte length as u16 big-endian, then its UTF-8 bytes, all as hex.
field() { printf '%s%s' "$(hex_u16 "$(printf '%s' "$1" | wc -c)")" "$(printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n')"; }
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
unhex() { sed 's/../\\x&/g' | xargs -0 printf '%b'; }

sign() {
  secret=$1; version=01; tail=""
  if [ "$#" -ge 9 ]; then version=02; tail="$(field "$8")$(printf '%02x' "$9")"
  elif [ "$#" -eq 8 ]; then version=03; tail="$(field "$8")"; fi
  payload="${version}$(hex_u64 "$7")$(field "$2")$(field "$3")$(field "$4")$(field "$5")$(field "$6")${tail}"
  body=$(printf '%s' "$payload" | unhex | b64url)
  mac=$(printf '%s' "$payload" | unhex | openssl dgst -sha256 -mac HMAC -macopt "key:$secret" -binary | b64url)
  printf '%s.%s\n' "$body" "$mac"
}

if [ "$#" -eq 0 ]; then
  s=koe_ss_test-vector-secret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ
  sign "$s" site_demo chat-2026-0001 agent-佐藤 tokyo chat 1800000000
  sign "$s" site_demo ticket-8812 agent-佐藤 tokyo email 1800000000 csat 4
  sign "$s" site_demo chat-2026-0002 agent-佐藤 tokyo chat 1800000000 customer-0042
else
  sign "$@"
fi
