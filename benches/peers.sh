#!/usr/bin/env bash
# London Atlas side by side with its peers, in one run, on 127.0.0.1 only (issue 12 item 7):
#
#   1. cold tiles: our server with no tile cache (`serve --tile-cache-mb 0`, every request cuts
#      and encodes its tile) against PostGIS ST_AsMVT (a SQL function tile_lsoa(z,x,y) run by
#      pgbench, prepared), the LSOA 2011 layer with the same properties (code, name, borough,
#      imd2019_decile, no2_2016_mean), per zoom (8, 10, 12, 14), the same random tiles from one
#      list per zoom (the non-empty tiles of our export);
#   2. point queries: /api/point?layers=lsoa11&fields=imd2019_decile,no2_2016_mean over HTTP
#      against pgbench running a prepared ST_Contains on the same points (a fixed list of
#      random points in London's box);
#   3. cached tiles: our server (default cache, warmed) against nginx serving our export of
#      the same tiles from disk (as benches/load_tiles.sh), z14 LSOA tiles.
#
# Each pair runs interleaved (ours, peer, ours, peer, ...; ROUNDS rounds of DURATION seconds),
# both with CLIENTS connections/clients, so both sides see the same machine load; the table
# gives each side's median rate over the rounds, the ratio, and the load average at the time.
# Also: cold tiles at z8 and z12 for a client that accepts gzip (ours then compresses each tile
# it builds; PostGIS's bytes are not compressed), and the full point answer (every layer and
# indicator, as before layers= and fields=) against the same PostGIS query.
# Bounded: about (4 + 2 + 2 + 1) pairs x 2 x ROUNDS x DURATION seconds plus ~1 min of setup.
#
# Needs (installs nothing): a release build (cargo build --release); wrk, nginx, curl
# (apt-get install -y wrk nginx-light curl); PostgreSQL 15 + PostGIS 3 with its cluster and a
# database "tiles" owned by role tiles/tiles (apt-get install -y postgresql-15
# postgresql-15-postgis-3, then `PEERS="pgdata" bash ../shared/tools/setup-peers.sh`); pgbench
# and psql (postgresql-client-15); ogr2ogr (gdal-bin). It starts the cluster 15/main if it is
# down (and says so), and (re)creates its own tables lsoa11_4326, lsoa11_3857, bench_tiles,
# bench_points and the function tile_lsoa in database tiles.
#
#   bash benches/peers.sh
#   DURATION=5 ROUNDS=3 CLIENTS=2 bash benches/peers.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DATA="${ATLAS_DATA:-../shared/data}"
DURATION="${DURATION:-5}"
ROUNDS="${ROUNDS:-3}"
CLIENTS="${CLIENTS:-2}"
POINTS="${POINTS:-1000}"
ZOOMS="${ZOOMS:-8 10 12 14}"
GZIP_ZOOMS="${GZIP_ZOOMS:-8 12}"
CACHED_Z="${CACHED_Z:-14}"
COLD_PORT="${COLD_PORT:-18191}"
WARM_PORT="${WARM_PORT:-18192}"
NGINX_PORT="${NGINX_PORT:-18193}"
PGURL="${PGURL:-host=127.0.0.1 port=5432 user=tiles password=tiles dbname=tiles}"
FIELDS="imd2019_decile,no2_2016_mean"
BIN=target/release/london-atlas
export PGOPTIONS="-c client_min_messages=warning"

missing=()
for tool in wrk nginx curl psql pgbench ogr2ogr python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing: ${missing[*]} (Debian: apt-get install -y wrk nginx-light curl postgresql-client-15 gdal-bin python3)" >&2
  exit 1
fi
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | awk '$1 == "15" && $2 == "main" {print $4}' | grep -q down; then
  echo "== PostgreSQL cluster 15/main is down: starting it (pg_ctlcluster 15 main start)"
  pg_ctlcluster 15 main start
fi
psql "$PGURL" -qAtc "select postgis_lib_version()" >/dev/null 2>&1 || {
  echo "cannot reach PostGIS as tiles@127.0.0.1/tiles: run PEERS=\"pg pgdata\" bash ../shared/tools/setup-peers.sh" >&2
  exit 1
}

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
load() { cut -d' ' -f1 /proc/loadavg; }

echo "== machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); PostGIS $(psql "$PGURL" -qAtc 'select postgis_lib_version()')"

echo "== export lsoa11 (gpkg, EPSG:4326) and its tiles z$(echo "$ZOOMS" | tr ' ' ',') into $work"
"$BIN" export layer lsoa11 "$work/lsoa11.gpkg" --format gpkg --crs 4326 --data "$DATA" --no-verify >/dev/null 2>&1
lo="$(echo "$ZOOMS $CACHED_Z" | tr ' ' '\n' | sort -n | head -1)"
hi="$(echo "$ZOOMS $CACHED_Z" | tr ' ' '\n' | sort -n | tail -1)"
"$BIN" export tiles "$work/tiles" --data "$DATA" --no-verify --layer lsoa11 --minzoom "$lo" --maxzoom "$hi" >/dev/null 2>&1

echo "== load it into PostGIS (ogr2ogr), index, tile_lsoa(z,x,y)"
ogr2ogr -f PostgreSQL "PG:$PGURL" "$work/lsoa11.gpkg" lsoa11 -nln lsoa11_4326 -overwrite \
  -lco GEOMETRY_NAME=geom -lco FID=fid -nlt MULTIPOLYGON \
  -select "code,name,borough,imd2019_decile,no2_2016_mean" 2>&1 | grep -v "^Warning" || true
psql "$PGURL" -qX -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
DROP TABLE IF EXISTS lsoa11_3857;
CREATE TABLE lsoa11_3857 AS
  SELECT fid, code, name, borough, imd2019_decile, no2_2016_mean, ST_Transform(geom, 3857) AS geom
  FROM lsoa11_4326;
CREATE INDEX ON lsoa11_3857 USING gist (geom);
CREATE INDEX IF NOT EXISTS lsoa11_4326_geom_gist ON lsoa11_4326 USING gist (geom);
ANALYZE lsoa11_3857; ANALYZE lsoa11_4326;
-- The same properties our tile carries with ?fields=imd2019_decile,no2_2016_mean; 4096 extent,
-- 64-unit buffer (ours: the same), clipped.
CREATE OR REPLACE FUNCTION tile_lsoa(z integer, x integer, y integer) RETURNS bytea AS $$
  SELECT ST_AsMVT(t, 'lsoa11', 4096, 'geom', 'fid') FROM (
    SELECT fid, code, name, borough, imd2019_decile, no2_2016_mean,
           ST_AsMVTGeom(geom, ST_TileEnvelope(z, x, y), 4096, 64, true) AS geom
    FROM lsoa11_3857
    WHERE geom && ST_TileEnvelope(z, x, y, margin => 64.0 / 4096)
  ) t WHERE geom IS NOT NULL
$$ LANGUAGE sql STABLE PARALLEL SAFE;
DROP TABLE IF EXISTS bench_tiles;
CREATE TABLE bench_tiles (z integer, k integer, x integer, y integer, PRIMARY KEY (z, k));
DROP TABLE IF EXISTS bench_points;
CREATE TABLE bench_points (k integer PRIMARY KEY, lon float8, lat float8, g geometry(Point, 4326));
SQL

# Tile lists: every non-empty tile of the export at each zoom, in a fixed order.
for z in $(echo "$ZOOMS $CACHED_Z" | tr ' ' '\n' | sort -nu); do
  (cd "$work/tiles" && find "$z" -name '*.mvt' | sort -V | sed 's/\.mvt$//') > "$work/tiles-$z.txt"
  awk -F/ -v z="$z" '{print z "\t" NR "\t" $2 "\t" $3}' "$work/tiles-$z.txt" \
    | psql "$PGURL" -qXc "\\copy bench_tiles from pstdin"
  sed "s|^|/tiles/lsoa11/|; s|\$|.mvt?fields=$FIELDS|" "$work/tiles-$z.txt" > "$work/ours-$z.urls"
  sed "s|^|/tiles/lsoa11/|; s|\$|.mvt|" "$work/tiles-$z.txt" > "$work/plain-$z.urls"
done
# Points: a fixed pseudo-random list in a box well inside London (-0.35..0.15 E,
# 51.38..51.62 N; the few in the Thames find no LSOA on either side).
awk -v n="$POINTS" 'BEGIN { srand(42); for (k = 1; k <= n; k++)
  printf "%d\t%.6f\t%.6f\n", k, -0.35 + rand() * 0.50, 51.38 + rand() * 0.24 }' > "$work/points.tsv"
psql "$PGURL" -qXc "\\copy bench_points (k, lon, lat) from '$work/points.tsv'"
psql "$PGURL" -qXc "UPDATE bench_points SET g = ST_SetSRID(ST_MakePoint(lon, lat), 4326); ANALYZE bench_points; ANALYZE bench_tiles"
awk -F'\t' -v f="$FIELDS" '{printf "/api/point?lon=%s&lat=%s&layers=lsoa11&fields=%s\n", $2, $3, f}' "$work/points.tsv" > "$work/points.urls"

echo "== start ours twice (cold: --tile-cache-mb 0; warm: default cache) and nginx on the export"
RUST_LOG=warn "$BIN" serve --data "$DATA" --no-verify --addr "127.0.0.1:$COLD_PORT" --tile-cache-mb 0 >"$work/cold.log" 2>&1 &
pids+=($!)
RUST_LOG=warn "$BIN" serve --data "$DATA" --no-verify --addr "127.0.0.1:$WARM_PORT" >"$work/warm.log" 2>&1 &
pids+=($!)
chmod -R a+rX "$work"   # nginx workers drop to www-data when started as root
mkdir -p "$work/tmp"
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
    location /tiles/lsoa11/ { alias $work/tiles/; }
  }
}
CONF
nginx -p "$work" -c "$work/nginx.conf" &
pids+=($!)
for _ in $(seq 1 300); do
  curl -sf -o /dev/null "http://127.0.0.1:$COLD_PORT/api/health" \
    && curl -sf -o /dev/null "http://127.0.0.1:$WARM_PORT/api/health" \
    && curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/" && break
  sleep 0.2
done

echo "== sanity: both sides answer the same things"
for z in $ZOOMS; do
  first="$(head -1 "$work/tiles-$z.txt")"
  IFS=/ read -r _ x y <<<"$first"
  ours="$(curl -sf "http://127.0.0.1:$COLD_PORT/tiles/lsoa11/$first.mvt?fields=$FIELDS" | wc -c)"
  theirs="$(psql "$PGURL" -qAtc "select length(tile_lsoa($z, $x, $y))")"
  n="$(wc -l < "$work/tiles-$z.txt")"
  echo "z$z: $n tiles; first tile $first: ours $ours bytes, PostGIS $theirs bytes"
  [ "$ours" -gt 0 ] && [ "${theirs:-0}" -gt 0 ] || { echo "a side answered no tile at $first" >&2; exit 1; }
done
ours_hits=0
while read -r url; do
  c="$(curl -sf "http://127.0.0.1:$WARM_PORT$url" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["areas"]))')"
  ours_hits=$((ours_hits + c))
done < <(head -50 "$work/points.urls")
pg_hits="$(psql "$PGURL" -qAtc "select count(*) from bench_points p join lsoa11_4326 l on ST_Contains(l.geom, p.g) where p.k <= 50")"
echo "first 50 points: ours finds $ours_hits LSOAs, PostGIS $pg_hits"
[ "$ours_hits" = "$pg_hits" ] || echo "note: the counts differ (points on a shared edge belong to both areas for us, to neither or one for ST_Contains)"

ntiles() { wc -l < "$work/tiles-$1.txt"; }
cat > "$work/tile.sql" <<'SQL'
\set k random(1, :n)
SELECT tile_lsoa(z, x, y) FROM bench_tiles WHERE z = :z AND k = :k;
SQL
cat > "$work/point.sql" <<SQL
\set k random(1, $POINTS)
SELECT l.code, l.name, l.borough, l.imd2019_decile, l.no2_2016_mean
  FROM bench_points p JOIN lsoa11_4326 l ON ST_Contains(l.geom, p.g) WHERE p.k = :k;
SQL

# One measurement each: prints requests per second (or transactions per second).
wrk_rate() { # port urlfile [wrk options]
  local out port="$1" list="$2"
  shift 2
  out="$(URL_LIST="$list" wrk -t"$CLIENTS" -c"$CLIENTS" -d"${DURATION}s" "$@" -s benches/wrk-list.lua "http://127.0.0.1:$port" 2>&1)"
  if ! echo "$out" | grep -q "non2xx3xx=0 socket_errors=0"; then
    echo "wrk saw errors: $(echo "$out" | grep requests=)" >&2
  fi
  echo "$out" | awk '/Requests\/sec/ {print $2}'
}
pg_rate() { # script [vars...]
  local script="$1"; shift
  pgbench -n -M prepared -c "$CLIENTS" -j "$CLIENTS" -T "$DURATION" -f "$script" "$@" "$PGURL" 2>/dev/null \
    | awk '/^tps/ {print $3}'
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

rows=()
pair() { # label, ours-command, peer-command, peer name
  local label="$1" a="" b="" l=""
  for _ in $(seq 1 "$ROUNDS"); do
    l="$l $(load)"
    a="$a $(eval "$2")"
    b="$b $(eval "$3")"
  done
  local ma mb
  ma="$(echo "$a" | median)"; mb="$(echo "$b" | median)"
  rows+=("$(printf '| %s | %.0f/s | %.0f/s (%s) | %s | %s |' "$label" "$ma" "$mb" "$4" \
    "$(awk -v x="$ma" -v y="$mb" 'BEGIN { printf "%.2f×", x / y }')" "$(echo "$l" | xargs)")")
  echo "${rows[-1]}   rounds: ours [$a ] peer [$b ]"
}

echo "== cold tiles, lsoa11, two fields ($ROUNDS rounds x ${DURATION}s x 2, $CLIENTS clients)"
for z in $ZOOMS; do
  pair "cold tile z$z ($(ntiles "$z") tiles)" \
    "wrk_rate $COLD_PORT $work/ours-$z.urls" \
    "pg_rate $work/tile.sql -D z=$z -D n=$(ntiles "$z")" "PostGIS ST_AsMVT"
done

# The same with gzip accepted: ours then compresses each tile it builds (PostGIS does not).
for z in $GZIP_ZOOMS; do
  pair "cold tile z$z, client accepts gzip" \
    "wrk_rate $COLD_PORT $work/ours-$z.urls -H 'Accept-Encoding: gzip'" \
    "pg_rate $work/tile.sql -D z=$z -D n=$(ntiles "$z")" "PostGIS ST_AsMVT, not compressed"
done

echo "== point queries ($POINTS points)"
pair "point, lsoa11, two fields" \
  "wrk_rate $WARM_PORT $work/points.urls" \
  "pg_rate $work/point.sql" "PostGIS ST_Contains"
# Before layers= and fields=: every layer containing the point, every indicator.
sed 's/&layers=.*$//' "$work/points.urls" > "$work/points-full.urls"
pair "point, full answer (all layers and indicators)" \
  "wrk_rate $WARM_PORT $work/points-full.urls" \
  "pg_rate $work/point.sql" "PostGIS ST_Contains, lsoa11, two fields"

echo "== cached tiles z$CACHED_Z vs nginx (all fields, uncompressed)"
URL_LIST="$work/plain-$CACHED_Z.urls" wrk -t2 -c"$CLIENTS" -d3s -s benches/wrk-list.lua "http://127.0.0.1:$WARM_PORT" >/dev/null 2>&1
for p in $(head -20 "$work/tiles-$CACHED_Z.txt"); do
  a="$(curl -s "http://127.0.0.1:$WARM_PORT/tiles/lsoa11/$p.mvt" | wc -c)"
  b="$(curl -s "http://127.0.0.1:$NGINX_PORT/tiles/lsoa11/$p.mvt" | wc -c)"
  [ "$a" = "$b" ] || { echo "tile $p differs in size: ours $a, nginx $b" >&2; exit 1; }
done
pair "cached tile z$CACHED_Z ($(ntiles "$CACHED_Z") tiles)" \
  "wrk_rate $WARM_PORT $work/plain-$CACHED_Z.urls" \
  "wrk_rate $NGINX_PORT $work/plain-$CACHED_Z.urls" "nginx"

echo
echo "| measurement | London Atlas (median) | peer (median) | ratio | load average per round |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
