"""QGIS 3.22 draws a London Atlas style: converts the MapLibre style with QGIS's own converter,
renders the vector tiles its source names (`tiles`, as QGIS cannot open a TileJSON URL) and
counts the colours of the PNG.

Usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_style.py STYLE_URL OUT.png LON LAT ZOOM
Prints one JSON line: {"warnings": [...], "layers": n, "colours": {"#rrggbb": pixels, ...}}.
"""
import json
import math
import os
import sys
import urllib.request

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsMapBoxGlStyleConverter,
                       QgsMapRendererParallelJob, QgsMapSettings, QgsProject, QgsRectangle,
                       QgsVectorTileLayer)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

style_url, out_png, lon, lat, zoom = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
style = json.load(urllib.request.urlopen(style_url))
source = next(iter(style["sources"].values()))

QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()

conv = QgsMapBoxGlStyleConverter()
conv.convert(style)
uri = f"type=xyz&url={source['tiles'][0]}&zmin={source['minzoom']}&zmax={source['maxzoom']}"
vt = QgsVectorTileLayer(uri, "atlas")
if not vt.isValid():
    print(json.dumps({"error": "vector tile layer is not valid", "uri": uri}))
    sys.exit(2)
vt.setRenderer(conv.renderer())
QgsProject.instance().addMapLayer(vt)

# A 512 px square around the point at the given zoom (Web Mercator).
R = 6378137.0
x = math.radians(lon) * R
y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * R
size = 512
half = size / 2 * (2 * math.pi * R / (256 * 2 ** zoom))
ms = QgsMapSettings()
ms.setLayers([vt])
ms.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
ms.setOutputSize(QSize(size, size))
ms.setExtent(QgsRectangle(x - half, y - half, x + half, y + half))
ms.setBackgroundColor(QColor(255, 255, 255))
job = QgsMapRendererParallelJob(ms)
job.start()
job.waitForFinished()
img = job.renderedImage()
img.save(out_png, "PNG")
colours = {}
for py in range(img.height()):
    for px in range(img.width()):
        c = QColor(img.pixel(px, py)).name()
        colours[c] = colours.get(c, 0) + 1
print(json.dumps({"warnings": conv.warnings(), "errors": [e.message for e in job.errors()],
                  "layers": len(style["layers"]), "colours": colours}))
app.exitQgis()
