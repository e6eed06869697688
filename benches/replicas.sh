#!/usr/bin/env bash
# Two London Atlas replicas behind the caching proxy of deploy/nginx.conf, really run:
# loopback only (127.0.0.1 high ports), bounded (about 40 s plus two data loads), nginx run
# from a temporary folder as the current user. Needs: a build (BIN, default
# target/release/london-atlas), nginx, wrk and curl (Debian: apt-get install -y nginx wrk curl).
#
#   bash benches/replicas.sh
#   BIN=target/debug/london-atlas DURATION=10 bash benches/replicas.sh
#
# Shows, and fails (exit 1) unless:
#   1. a tile first fetched through the proxy (from one replica) is a proxy HIT afterwards,
#      with the ETag both replicas give directly; its gzip variant is cached apart (Vary);
#   2. with wrk on mixed traffic (uncacheable point queries + tiles) for DURATION seconds,
#      one replica killed (SIGKILL) at 2 s and restarted at 3 s: 0 failed requests;
#   3. SIGHUP to both replicas under the same load: 0 failed requests, both at data version 2.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DATA="${ATLAS_DATA:-../shared/data}"
BIN="${BIN:-target/release/london-atlas}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-16}"
PROXY_PORT="${PROXY_PORT:-18280}"
A_PORT="${A_PORT:-18281}"
B_PORT="${B_PORT:-18282}"
PUBLIC_URL="http://127.0.0.1:$PROXY_PORT"

for tool in nginx wrk curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y nginx wrk curl" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "build first: cargo build --release (or set BIN)" >&2; exit 1; }

work="$(mktemp -d)"
declare -A pid
cleanup() {
  for p in "${pid[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -n 5 "$work"/*.log >&2 || true; exit 1; }

# deploy/nginx.conf with its `# local:` lines pointed at loopback ports and this folder.
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root root;"   # workers keep the current user
mkdir -p "$work/cache" "$work/tmp"
sed -e "s|^.*# local: user.*$|$user_line|" \
    -e "s|^.*# local: pid$|pid $work/nginx.pid;|" \
    -e "s|^.*# local: error_log$|error_log $work/nginx-error.log warn;|" \
    -e "s|^.*# local: temp paths$|client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp; uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;|" \
    -e "s|/var/cache/nginx/atlas|$work/cache|" \
    -e "s|^.*# local: access_log$|access_log $work/access.log atlas;|" \
    -e "s|atlas-1:8080|127.0.0.1:$A_PORT|" \
    -e "s|atlas-2:8080|127.0.0.1:$B_PORT|" \
    -e "s|listen 8080;|listen 127.0.0.1:$PROXY_PORT;|" \
    deploy/nginx.conf >"$work/nginx.conf"
for want in "$work/nginx.pid" "$work/cache" "127.0.0.1:$A_PORT" "127.0.0.1:$B_PORT" \
            "listen 127.0.0.1:$PROXY_PORT" "access_log $work/access.log"; do
  grep -qF "$want" "$work/nginx.conf" || fail "deploy/nginx.conf changed: could not set $want"
done
nginx -t -q -p "$work" -c "$work/nginx.conf" || fail "nginx -t refused the config"

start_replica() { # name port
  RUST_LOG=warn "$BIN" serve --data "$DATA" --addr "127.0.0.1:$2" --public-url "$PUBLIC_URL" \
    >>"$work/$1.log" 2>&1 &
  pid[$1]=$!
}
wait_health() { # url
  for _ in $(seq 1 300); do curl -sf -o /dev/null "$1/api/health" && return 0; sleep 0.1; done
  fail "$1 did not become healthy"
}
header() { # name, from curl -D output on stdin
  tr -d '\r' | awk -v h="$(echo "$1" | tr A-Z a-z)" 'BEGIN{FS=": "} tolower($1)==h {print $2}'
}

ms() { date +%s%3N; }
started=$(ms)
start_replica a "$A_PORT"
start_replica b "$B_PORT"
wait_health "http://127.0.0.1:$A_PORT"
wait_health "http://127.0.0.1:$B_PORT"
echo "== two replicas healthy $(( $(ms) - started )) ms after start"
nginx -p "$work" -c "$work/nginx.conf" -g "daemon off;" &
pid[nginx]=$!
wait_health "$PUBLIC_URL"

echo "== 1. a tile fetched once through the proxy is a HIT afterwards"
tile="/tiles/atlas/13/4094/2723.mvt"
first="$(curl -s -o /dev/null -D - "$PUBLIC_URL$tile")"
second="$(curl -s -o /dev/null -D - "$PUBLIC_URL$tile")"
served_by="$(grep -F "$tile" "$work/access.log" | head -n 1 | sed 's/.*upstream=//')"
etag_a="$(curl -s -o /dev/null -D - "http://127.0.0.1:$A_PORT$tile" | header etag)"
etag_b="$(curl -s -o /dev/null -D - "http://127.0.0.1:$B_PORT$tile" | header etag)"
echo "first: $(echo "$first" | header x-cache-status) from $served_by; second: $(echo "$second" | header x-cache-status)"
echo "ETag through the proxy $(echo "$second" | header etag); replica A $etag_a; replica B $etag_b"
[ "$(echo "$first" | header x-cache-status)" = MISS ] || fail "first fetch was not a MISS"
[ "$(echo "$second" | header x-cache-status)" = HIT ] || fail "second fetch was not a HIT"
[ "$etag_a" = "$etag_b" ] && [ "$etag_a" = "$(echo "$second" | header etag)" ] || fail "ETags differ"
gz1="$(curl -s -o /dev/null -D - -H 'Accept-Encoding: gzip, br' "$PUBLIC_URL$tile")"
gz2="$(curl -s -o /dev/null -D - -H 'Accept-Encoding: gzip' "$PUBLIC_URL$tile")"
echo "gzip variant: first $(echo "$gz1" | header x-cache-status), then $(echo "$gz2" | header x-cache-status) ($(echo "$gz2" | header content-encoding), ETag $(echo "$gz2" | header etag))"
[ "$(echo "$gz2" | header x-cache-status)" = HIT ] && [ "$(echo "$gz2" | header content-encoding)" = gzip ] \
  || fail "the gzip variant was not cached apart"
for doc in /tiles/atlas.json /api/indicators /api/point?lon=-0.1\&lat=51.5; do
  s1="$(curl -s -o /dev/null -D - "$PUBLIC_URL$doc" | header x-cache-status)"
  s2="$(curl -s -o /dev/null -D - "$PUBLIC_URL$doc" | header x-cache-status)"
  echo "$doc: $s1 then $s2 ($(curl -s -o /dev/null -D - "http://127.0.0.1:$A_PORT$doc" | header cache-control))"
done

load() { # label, then runs wrk in the background; the caller acts meanwhile
  : >"$work/access.log"; kill -USR1 "${pid[nginx]}"   # reopen the log
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s benches/wrk-replicas.lua "$PUBLIC_URL" \
    >"$work/wrk-$1.txt" 2>&1 &
  pid[wrk]=$!
  load_started=$(ms)
}
verdict() { # label
  wait "${pid[wrk]}"; unset 'pid[wrk]'
  local line; line="$(grep '^requests=' "$work/wrk-$1.txt")" || fail "wrk printed no summary"
  echo "wrk ($DURATION s, $CONNECTIONS connections): $line; $(grep Requests/sec "$work/wrk-$1.txt" | xargs)"
  echo "proxy log: $(awk '{for(i=1;i<=NF;i++) if ($i ~ /^cache=/) c[$i]++} END {for (k in c) printf "%s:%d ", k, c[k]}' "$work/access.log")"
  echo "by replica (- = from the cache; a trailing comma = retried on the other replica): $(awk '{for(i=1;i<=NF;i++) if ($i ~ /^upstream=/) u[$i]++} END {for (k in u) printf "%s:%d ", k, u[k]}' "$work/access.log")"
  echo "statuses: $(awk '{s[$5]++} END {for (k in s) printf "%s:%d ", k, s[k]}' "$work/access.log")"
  echo "$line" | grep -q 'non2xx3xx=0 socket_errors=0' || fail "$1: failed requests"
}

echo "== 2. replica A killed and restarted under load"
load kill
sleep 2
kill -KILL "${pid[a]}"; wait "${pid[a]}" 2>/dev/null || true
echo "killed A at 2 s"
sleep 1
start_replica a "$A_PORT"   # it loads the data again (seconds, under load) before it listens
wait_health "http://127.0.0.1:$A_PORT"
echo "A restarted and healthy $(( $(ms) - load_started )) ms into the run"
verdict kill
echo "A answered $(grep -c "upstream=127.0.0.1:$A_PORT\$" <(tail -n 1000 "$work/access.log") || true) of the run's last 1000 requests"

echo "== 3. SIGHUP to both replicas under load"
load hup
sleep 2
kill -HUP "${pid[a]}" "${pid[b]}"
hup_sent=$(ms)
echo "SIGHUP sent to A and B at 2 s"
verdict hup
# A reload loads the data and warms tiles to z10 beside the old atlas: wait for it (bounded).
for port in "$A_PORT" "$B_PORT"; do
  for _ in $(seq 1 600); do
    v="$(curl -s "http://127.0.0.1:$port/api/ready" | sed 's/.*"data_version":\([0-9]*\).*/\1/')"
    [ "$v" = 2 ] && break
    sleep 0.1
  done
  echo "replica :$port data_version $v ($(( $(ms) - hup_sent )) ms after SIGHUP or less)"
  [ "$v" = 2 ] || fail "replica :$port did not reload within 60 s"
done
echo "== all checks passed"
