//! GeoPackage (OGC 12-128r18, version 1.2) writer through SQLite: the required
//! `gpkg_spatial_ref_sys`, `gpkg_contents` and `gpkg_geometry_columns` tables, one feature
//! table with typed columns and geometries as GeoPackage blobs (header + envelope + WKB from
//! geozero), an R-tree spatial index (the `gpkg_rtree_index` extension), and the provenance
//! twice: as a `fields` attribute table (one row per indicator: title, unit, period, source,
//! licence, attribution) and as a JSON document in `gpkg_metadata` tied to the feature table.
//!
//! Failure modes: [`rusqlite::Error`] (the file cannot be created or written) and geozero's
//! error when a geometry cannot be encoded, both as [`GpkgError`].

use super::table::{FieldKind, LayerTable, TEXT_COLUMNS};
use geo::BoundingRect;
use geozero::{CoordDimensions, ToWkb};
use rusqlite::{params, Connection};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum GpkgError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot encode the geometry of {code}: {source}")]
    Geometry {
        code: String,
        source: geozero::error::GeozeroError,
    },
}

/// `GPKG` as the SQLite application id.
const APPLICATION_ID: i32 = 0x4750_4B47;
/// GeoPackage 1.2.0.
const USER_VERSION: i32 = 10200;

/// `last_change` and the metadata `timestamp`: the fixed time reproducible outputs carry
/// ([`crate::data::MTIME`]) instead of the clock, so every replica serving the same data
/// writes the same bytes (and a CDN can cache a download across them).
fn fixed_timestamp() -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(crate::data::MTIME);
    humantime::format_rfc3339_millis(t).to_string()
}

/// Writes `table` as a new GeoPackage at `path` (an existing file is replaced).
pub fn write(table: &LayerTable, path: &Path) -> Result<(), GpkgError> {
    let _ = std::fs::remove_file(path);
    let mut db = Connection::open(path)?;
    db.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {USER_VERSION};"
    ))?;
    let tx = db.transaction()?;
    tx.execute_batch(CORE_TABLES)?;
    let crs = table.crs;
    if crs.epsg() != 4326 {
        tx.execute(
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?1, ?2, 'EPSG', ?2, ?3, ?4)",
            params![crs.name(), crs.epsg(), crs.wkt(), crs.name()],
        )?;
    }
    let name = table.layer.id.as_str();
    // The extent is filled in from the R-tree once the features are in.
    tx.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) \
         VALUES (?1, 'features', ?2, ?3, ?4)",
        params![name, table.layer.title, table.description(), crs.epsg()],
    )?;
    tx.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', 'MULTIPOLYGON', ?2, 0, 0)",
        params![name, crs.epsg()],
    )?;
    let mut columns = vec![
        "fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL".to_string(),
        "geom MULTIPOLYGON".to_string(),
    ];
    columns.extend(TEXT_COLUMNS.iter().map(|c| format!("{} TEXT", quote(c))));
    for f in &table.fields {
        let ty = match f.kind {
            FieldKind::Integer => "INTEGER",
            FieldKind::Real => "REAL",
        };
        columns.push(format!("{} {ty}", quote(f.id)));
    }
    tx.execute_batch(&format!(
        "CREATE TABLE {} ({});",
        quote(name),
        columns.join(", ")
    ))?;
    let marks: Vec<String> = (1..=table.fields.len() + 5)
        .map(|i| format!("?{i}"))
        .collect();
    let insert = format!("INSERT INTO {} VALUES ({})", quote(name), marks.join(", "));
    let rtree = format!("rtree_{name}_geom");
    tx.execute_batch(&format!(
        "CREATE VIRTUAL TABLE {} USING rtree(id, minx, maxx, miny, maxy);",
        quote(&rtree)
    ))?;
    {
        let mut add = tx.prepare(&insert)?;
        let mut index = tx.prepare(&format!(
            "INSERT INTO {} VALUES (?1, ?2, ?3, ?4, ?5)",
            quote(&rtree)
        ))?;
        for i in 0..table.layer.areas.len() {
            let geometry = table.geometry(i);
            let blob = blob(&geometry, crs.epsg()).map_err(|source| GpkgError::Geometry {
                code: table.layer.areas[i].code.clone(),
                source,
            })?;
            let fid = i as i64 + 1;
            let mut values: Vec<rusqlite::types::Value> = vec![fid.into(), blob.into()];
            values.extend(table.text(i).iter().map(|t| t.to_string().into()));
            for f in &table.fields {
                values.push(match (table.value(i, f), f.kind) {
                    (None, _) => rusqlite::types::Value::Null,
                    (Some(v), FieldKind::Integer) => (v as i64).into(),
                    (Some(v), FieldKind::Real) => v.into(),
                });
            }
            add.execute(rusqlite::params_from_iter(values))?;
            if let Some(r) = geometry.bounding_rect() {
                index.execute(params![fid, r.min().x, r.max().x, r.min().y, r.max().y])?;
            }
        }
    }
    let r = quote(&rtree);
    tx.execute(
        &format!(
            "UPDATE gpkg_contents SET min_x = (SELECT MIN(minx) FROM {r}), \
             min_y = (SELECT MIN(miny) FROM {r}), max_x = (SELECT MAX(maxx) FROM {r}), \
             max_y = (SELECT MAX(maxy) FROM {r}) WHERE table_name = ?1"
        ),
        params![name],
    )?;
    tx.execute_batch(&rtree_triggers(name))?;
    tx.execute(
        "INSERT INTO gpkg_extensions VALUES (?1, 'geom', 'gpkg_rtree_index', \
         'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        params![name],
    )?;
    write_provenance(&tx, table)?;
    let stamp = fixed_timestamp();
    tx.execute("UPDATE gpkg_contents SET last_change = ?1", params![stamp])?;
    tx.execute(
        "UPDATE gpkg_metadata_reference SET timestamp = ?1",
        params![stamp],
    )?;
    tx.commit()?;
    Ok(())
}

/// The `fields` attribute table and the `gpkg_metadata` document.
fn write_provenance(tx: &rusqlite::Transaction, table: &LayerTable) -> Result<(), GpkgError> {
    tx.execute_batch(
        "CREATE TABLE fields (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, field TEXT, \
         type TEXT, title TEXT, unit TEXT, period TEXT, method TEXT, source TEXT, \
         source_title TEXT, publisher TEXT, licence TEXT, attribution TEXT, url TEXT);
         INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES
           ('fields', 'attributes', 'fields', 'What each indicator field means and where its values come from');",
    )?;
    {
        let mut add = tx.prepare(
            "INSERT INTO fields (field, type, title, unit, period, method, source, \
             source_title, publisher, licence, attribution, url) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for f in &table.fields {
            let kind = match f.kind {
                FieldKind::Integer => "integer",
                FieldKind::Real => "real",
            };
            add.execute(params![
                f.id,
                kind,
                f.title,
                f.unit,
                f.period,
                f.method,
                f.source,
                f.source_title,
                f.publisher,
                f.licence,
                f.attribution,
                f.url
            ])?;
        }
    }
    tx.execute_batch(METADATA_TABLES)?;
    tx.execute(
        "INSERT INTO gpkg_metadata (id, md_scope, md_standard_uri, mime_type, metadata) \
         VALUES (1, 'dataset', 'https://github.com/london-atlas/provenance', 'application/json', ?1)",
        params![table.provenance_json().to_string()],
    )?;
    tx.execute(
        "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, md_file_id) \
         VALUES ('table', ?1, 1)",
        params![table.layer.id],
    )?;
    Ok(())
}

/// A GeoPackage geometry blob: `GP`, version 0, flags (little-endian, xy envelope), the SRS
/// id, the envelope (min x, max x, min y, max y), then standard WKB.
fn blob(mp: &geo::MultiPolygon<f64>, srs_id: i32) -> Result<Vec<u8>, geozero::error::GeozeroError> {
    let wkb = geo::Geometry::MultiPolygon(mp.clone()).to_wkb(CoordDimensions::xy())?;
    let mut out = Vec::with_capacity(40 + wkb.len());
    out.extend_from_slice(b"GP");
    out.push(0);
    match mp.bounding_rect() {
        Some(r) => {
            out.push(0b0000_0011);
            out.extend_from_slice(&srs_id.to_le_bytes());
            for v in [r.min().x, r.max().x, r.min().y, r.max().y] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        None => {
            // Empty geometry: no envelope, the empty flag set.
            out.push(0b0001_0001);
            out.extend_from_slice(&srs_id.to_le_bytes());
        }
    }
    out.extend_from_slice(&wkb);
    Ok(out)
}

/// An SQL identifier in double quotes.
fn quote(id: &str) -> String {
    format!("\"{}\"", id.replace('"', "\"\""))
}

const CORE_TABLES: &str = "
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
  organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL, description TEXT);
INSERT INTO gpkg_spatial_ref_sys VALUES
 ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
 ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
 ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,AUTHORITY[\"EPSG\",\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],AUTHORITY[\"EPSG\",\"4326\"]]', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
  identifier TEXT UNIQUE, description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
  definition TEXT NOT NULL, scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
";

const METADATA_TABLES: &str = "
CREATE TABLE gpkg_metadata (id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,
  md_scope TEXT NOT NULL DEFAULT 'dataset', md_standard_uri TEXT NOT NULL,
  mime_type TEXT NOT NULL DEFAULT 'text/xml', metadata TEXT NOT NULL DEFAULT '');
CREATE TABLE gpkg_metadata_reference (reference_scope TEXT NOT NULL, table_name TEXT,
  column_name TEXT, row_id_value INTEGER,
  timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  md_file_id INTEGER NOT NULL, md_parent_id INTEGER,
  CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
  CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id));
INSERT INTO gpkg_extensions VALUES
 ('gpkg_metadata', NULL, 'gpkg_metadata', 'http://www.geopackage.org/spec120/#extension_metadata', 'read-write'),
 ('gpkg_metadata_reference', NULL, 'gpkg_metadata', 'http://www.geopackage.org/spec120/#extension_metadata', 'read-write');
";

/// The spec's triggers that keep `rtree_<t>_geom` in step with later edits (GDAL and QGIS
/// provide the ST_ functions they call).
fn rtree_triggers(t: &str) -> String {
    let r = format!("rtree_{t}_geom");
    let (qt, qr) = (quote(t), quote(&r));
    format!(
        "CREATE TRIGGER \"{r}_insert\" AFTER INSERT ON {qt} WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN INSERT OR REPLACE INTO {qr} VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
CREATE TRIGGER \"{r}_update1\" AFTER UPDATE OF geom ON {qt} WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN INSERT OR REPLACE INTO {qr} VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
CREATE TRIGGER \"{r}_update2\" AFTER UPDATE OF geom ON {qt} WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
BEGIN DELETE FROM {qr} WHERE id = OLD.fid; END;
CREATE TRIGGER \"{r}_update3\" AFTER UPDATE ON {qt} WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN DELETE FROM {qr} WHERE id = OLD.fid; INSERT OR REPLACE INTO {qr} VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
CREATE TRIGGER \"{r}_update4\" AFTER UPDATE ON {qt} WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
BEGIN DELETE FROM {qr} WHERE id IN (OLD.fid, NEW.fid); END;
CREATE TRIGGER \"{r}_delete\" AFTER DELETE ON {qt} WHEN old.geom NOT NULL
BEGIN DELETE FROM {qr} WHERE id = OLD.fid; END;"
    )
}
