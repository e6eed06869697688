#!/usr/bin/env bash
# Load test of cached tile serving, side by side with nginx serving the same tiles exported to
# disk. Loopback only (127.0.0.1), bounded: DURATION seconds per run (default 10), CONNECTIONS
# connections (default 16), 2 wrk threads. Needs: a release build, wrk and nginx (Debian:
# apt-get install -y wrk nginx-light). Prints one summary line per server and the ratio.
#
#   bash benches/load_tiles.sh                 # atlas tileset, z13 block over central London
#   TILESET=lsoa11 Z=12 bash benches/load_tiles.sh
#
# Both servers get the same URLs (wrk-tiles.lua cycles through an X0..X1 x Y0..Y1 block) and
# no Accept-Encoding, so both send the uncompressed MVT bytes. Ours is warmed first (every tile
# of the block requested once), so the run measures cache hits, as nginx serves files that are
# in the page cache.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DATA="${ATLAS_DATA:-../shared/data}"
TILESET="${TILESET:-atlas}"
Z="${Z:-13}"
# Central London at z13: Hyde Park to Canary Wharf, Camden to Brixton.
X0="${X0:-4090}"; X1="${X1:-4099}"; Y0="${Y0:-2720}"; Y1="${Y1:-2727}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-16}"
OURS_PORT="${OURS_PORT:-18181}"
NGINX_PORT="${NGINX_PORT:-18182}"
BIN=target/release/london-atlas

for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y wrk nginx-light curl" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== export $TILESET z$Z to $work/tiles"
"$BIN" export tiles "$work/tiles" --data "$DATA" --no-verify --layer "$TILESET" --minzoom "$Z" --maxzoom "$Z" 2>/dev/null

chmod -R a+rX "$work"   # nginx workers drop to www-data when started as root
cat > "$work/nginx.conf" <<CONF
daemon off;
worker_processes auto;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  open_file_cache max=10000 inactive=60s;
  types { application/vnd.mapbox-vector-tile mvt; }
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location /tiles/$TILESET/ { alias $work/tiles/; }
  }
}
CONF
mkdir -p "$work/tmp"
nginx -p "$work" -c "$work/nginx.conf" &
pids+=($!)

RUST_LOG=warn "$BIN" serve --data "$DATA" --no-verify --addr "127.0.0.1:$OURS_PORT" >"$work/ours.log" 2>&1 &
pids+=($!)

for i in $(seq 1 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$OURS_PORT/api/health" && curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/" && break
  sleep 0.1
done

echo "== warm our cache and check both serve tiles of the same size"
# (Same size, not same hash: the atlas's derived values can differ in the last bit between
# processes, see BENCHMARKS.md.)
bytes=0; tiles=0
for x in $(seq "$X0" "$X1"); do
  for y in $(seq "$Y0" "$Y1"); do
    path="/tiles/$TILESET/$Z/$x/$y.mvt"
    a="$(curl -s "http://127.0.0.1:$OURS_PORT$path" | wc -c)"
    b="$(curl -s "http://127.0.0.1:$NGINX_PORT$path" | wc -c)"
    [ "$a" = "$b" ] || { echo "tile $path differs between the servers" >&2; tail -n 5 "$work/error.log" "$work/ours.log" >&2; curl -si "http://127.0.0.1:$NGINX_PORT$path" | head -5 >&2; exit 1; }
    bytes=$((bytes + $(stat -c %s "$work/tiles/$Z/$x/$y.mvt")))
    tiles=$((tiles + 1))
  done
done
echo "$tiles tiles, mean $((bytes / tiles)) bytes"

run() {
  TILE_PREFIX="/tiles/$TILESET/" TILE_SUFFIX=".mvt" Z="$Z" X0="$X0" X1="$X1" Y0="$Y0" Y1="$Y1" \
    wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s benches/wrk-tiles.lua "http://127.0.0.1:$1" 2>&1
}
echo "== london-atlas ($DURATION s, $CONNECTIONS connections)"
ours="$(run "$OURS_PORT")"; echo "$ours" | grep -E "Requests/sec|Transfer/sec|requests="
echo "== nginx ($DURATION s, $CONNECTIONS connections)"
theirs="$(run "$NGINX_PORT")"; echo "$theirs" | grep -E "Requests/sec|Transfer/sec|requests="
rps() { echo "$1" | awk '/Requests\/sec/ {print $2}'; }
awk -v a="$(rps "$ours")" -v b="$(rps "$theirs")" 'BEGIN { printf "ratio london-atlas / nginx: %.2f\n", a / b }'
