#!/usr/bin/env python3
"""Peer run for the core queries: GEOS (through shapely 2, the engine PostGIS uses) on the
same files and inputs as `cargo bench --bench atlas`, side by side.

It loads the boroughs and both LSOA layers from the shapefiles (make_valid on the invalid
2011 rings), builds STRtrees, then times:
  * a point query at Parliament Square over the three layers (STRtree + contains);
  * Camden's boundary as a query polygon against the three layers (STRtree + exact
    intersection areas), the same work our `polygon_camden_borough_parse_and_query` does
    without our JSON parsing and summary.
It prints medians and the answers (codes, overlap sums) so they can be compared with ours.

Usage:  python3 -m venv .peers/venv-shapely && .peers/venv-shapely/bin/pip install shapely pyshp
        .peers/venv-shapely/bin/python benches/peer_shapely.py [DATA_DIR]
"""
import statistics
import sys
import time
from pathlib import Path

import shapefile  # pyshp
import shapely
from shapely.geometry import Point, shape
from shapely.strtree import STRtree

DATA = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent.parent / "shared" / "data")
LAYERS = {
    "boroughs": ("london-statistical-gis-boundaries/ESRI/London_Borough_Excluding_MHW.shp", "GSS_CODE"),
    "lsoa11": ("london-statistical-gis-boundaries/ESRI/LSOA_2011_London_gen_MHW.shp", "LSOA11CD"),
    "lsoa21": ("ons-census-boundaries-london-bgc/london-2021-lsoa-gen20.shp", "LSOA21CD"),
}
# Parliament Square in British National Grid, as our transform gives it (PROJ agrees to 5 cm).
PARLIAMENT_SQUARE = (530_061.686, 179_635.387)


def median_us(fn, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e6)
    return statistics.median(times)


def load():
    layers = {}
    for lid, (rel, key) in LAYERS.items():
        r = shapefile.Reader(str(DATA / rel))
        fields = [f[0] for f in r.fields[1:]]
        k = fields.index(key)
        geoms, codes = [], []
        for sr in r.iterShapeRecords():
            g = shape(sr.shape.__geo_interface__)
            if not g.is_valid:
                g = shapely.make_valid(g)
            geoms.append(g)
            codes.append(sr.record[k])
        layers[lid] = (geoms, codes, STRtree(geoms))
    return layers


def main():
    t = time.perf_counter()
    layers = load()
    load_s = time.perf_counter() - t
    print(f"load 3 layers + make_valid + STRtree: {load_s * 1000:.0f} ms (one run)")

    p = Point(*PARLIAMENT_SQUARE)

    def point_query():
        out = []
        for lid, (geoms, codes, tree) in layers.items():
            for i in tree.query(p, predicate="intersects"):
                out.append((lid, codes[i]))
        return out

    print("point answer:", point_query())
    print(f"point query, 3 layers: median {median_us(point_query, 2000):.1f} µs")

    b_geoms, b_codes, _ = layers["boroughs"]
    camden = b_geoms[b_codes.index("E09000007")]
    shapely.prepare(camden)

    def polygon_query():
        out = {}
        for lid, (geoms, codes, tree) in layers.items():
            rows = []
            for i in tree.query(camden, predicate="intersects"):
                a = camden.intersection(geoms[i]).area
                if a > 0:
                    rows.append((codes[i], a))
            out[lid] = rows
        return out

    ans = polygon_query()
    for lid, rows in ans.items():
        print(f"camden polygon -> {lid}: {len(rows)} areas, overlap sum {sum(a for _, a in rows):.1f} m²")
    print(f"camden polygon query, 3 layers: median {median_us(polygon_query, 20) / 1000:.1f} ms")


if __name__ == "__main__":
    main()
