"""QGIS 3.22 adds a London Atlas collection through its OGC API Features provider (the one the
"Add WFS / OGC API Features layer" dialog uses) and reports what it sees.

Usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_oapif.py OGC_ROOT COLLECTION W S E N
Prints one JSON line: validity, the fields with their QVariant type names, every feature id
read (all pages), and the ids read within the box (W S E N, CRS84).
"""
import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import QgsApplication, QgsFeatureRequest, QgsRectangle, QgsVectorLayer

root, collection = sys.argv[1], sys.argv[2]
w, s, e, n = (float(v) for v in sys.argv[3:7])
QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()


def read():
    """Everything QGIS reads; its layer is gone when this returns (3.22 crashes on exit otherwise)."""
    layer = QgsVectorLayer(f"url='{root}' typename='{collection}'", collection, "OAPIF")
    out = {"valid": layer.isValid(), "provider": layer.providerType()}
    if layer.isValid():
        out["crs"] = layer.crs().authid()
        out["fields"] = {f.name(): f.typeName() for f in layer.fields()}
        out["count"] = layer.featureCount()
        out["codes"] = [f["code"] for f in layer.getFeatures()]
        req = QgsFeatureRequest().setFilterRect(QgsRectangle(w, s, e, n))
        out["codes_in_box"] = sorted(f["code"] for f in layer.getFeatures(req))
        first = next(layer.getFeatures(QgsFeatureRequest().setLimit(1)))
        out["first"] = {k: (v if isinstance(v, (int, float, str)) or v is None else str(v))
                        for k, v in zip(first.fields().names(), first.attributes())}
    return out


print(json.dumps(read()))
app.exitQgis()
