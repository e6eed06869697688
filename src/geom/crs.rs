//! Coordinate reference systems: British National Grid (EPSG:27700), WGS84 (EPSG:4326) and
//! Web Mercator (EPSG:3857), in pure Rust.
//!
//! The 27700 <-> 4326 transform is the Ordnance Survey's seven-parameter Helmert shift between
//! WGS84 and OSGB36 plus the Transverse Mercator projection of the Airy 1830 ellipsoid (OS
//! "A guide to coordinate systems in Great Britain", annexes B and C). It is good to a few
//! metres across London, not the centimetres of OSTN15, which Debian does not ship. That is
//! enough because every query is answered in 27700 on the original geometry: only the *query*
//! is moved, by at most a few metres, never the boundaries.
//!
//! Failure modes: none of the functions fail; non-finite input gives non-finite output, so
//! callers validate coordinates first (see [`valid_lon_lat`]).

use std::f64::consts::PI;

/// Airy 1830 ellipsoid (OSGB36).
const AIRY_A: f64 = 6_377_563.396;
const AIRY_B: f64 = 6_356_256.909;
/// GRS80 / WGS84 ellipsoid.
const WGS84_A: f64 = 6_378_137.0;
const WGS84_B: f64 = 6_356_752.314_245;

/// National Grid projection constants.
const F0: f64 = 0.999_601_271_7;
const LAT0: f64 = 49.0 * PI / 180.0;
const LON0: f64 = -2.0 * PI / 180.0;
const E0: f64 = 400_000.0;
const N0: f64 = -100_000.0;

/// Helmert WGS84 -> OSGB36 (metres, ppm, arc-seconds).
const TX: f64 = -446.448;
const TY: f64 = 125.157;
const TZ: f64 = -542.060;
const S_PPM: f64 = 20.4894;
const RX_SEC: f64 = -0.1502;
const RY_SEC: f64 = -0.2470;
const RZ_SEC: f64 = -0.8421;

/// Half the circumference of the Web Mercator sphere, in metres.
pub const MERCATOR_HALF_WORLD: f64 = 20_037_508.342_789_244;
/// Web Mercator's latitude limit.
pub const MERCATOR_MAX_LAT: f64 = 85.051_128_779_806_59;

/// True when `lon`, `lat` are finite WGS84 degrees within their ranges.
pub fn valid_lon_lat(lon: f64, lat: f64) -> bool {
    lon.is_finite()
        && lat.is_finite()
        && (-180.0..=180.0).contains(&lon)
        && (-90.0..=90.0).contains(&lat)
}

/// WGS84 longitude/latitude (degrees) to British National Grid easting/northing (metres).
pub fn wgs84_to_bng(lon: f64, lat: f64) -> (f64, f64) {
    let (x, y, z) = to_cartesian(lat.to_radians(), lon.to_radians(), WGS84_A, WGS84_B);
    let (x, y, z) = helmert(x, y, z, 1.0);
    let (phi, lambda) = from_cartesian(x, y, z, AIRY_A, AIRY_B);
    project_tm(phi, lambda)
}

/// British National Grid easting/northing (metres) to WGS84 longitude/latitude (degrees).
pub fn bng_to_wgs84(e: f64, n: f64) -> (f64, f64) {
    let (phi, lambda) = unproject_tm(e, n);
    let (x, y, z) = to_cartesian(phi, lambda, AIRY_A, AIRY_B);
    let (x, y, z) = helmert(x, y, z, -1.0);
    let (phi, lambda) = from_cartesian(x, y, z, WGS84_A, WGS84_B);
    (lambda.to_degrees(), phi.to_degrees())
}

/// WGS84 degrees to Web Mercator metres (latitude clamped to Web Mercator's limit).
pub fn lonlat_to_mercator(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-MERCATOR_MAX_LAT, MERCATOR_MAX_LAT);
    let x = lon.to_radians() * 6_378_137.0;
    let y = ((PI / 4.0 + lat.to_radians() / 2.0).tan()).ln() * 6_378_137.0;
    (x, y)
}

/// Web Mercator metres to WGS84 degrees.
pub fn mercator_to_lonlat(x: f64, y: f64) -> (f64, f64) {
    let lon = (x / 6_378_137.0).to_degrees();
    let lat = (2.0 * (y / 6_378_137.0).exp().atan() - PI / 2.0).to_degrees();
    (lon, lat)
}

/// British National Grid straight to Web Mercator.
pub fn bng_to_mercator(e: f64, n: f64) -> (f64, f64) {
    let (lon, lat) = bng_to_wgs84(e, n);
    lonlat_to_mercator(lon, lat)
}

/// True when an ESRI or OGC WKT string describes British National Grid: an EPSG:27700
/// authority, or an OSGB 1936 Transverse Mercator with the National Grid's parameters (the
/// GLA and ONS .prj files carry no EPSG code).
pub fn wkt_is_british_national_grid(wkt: &str) -> bool {
    let norm: String = wkt
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if norm.contains("authority[\"epsg\",\"27700\"]") || norm.contains("authority[\"epsg\",27700]")
    {
        return true;
    }
    let datum_ok =
        norm.contains("osgb_1936") || norm.contains("osgb1936") || norm.contains("osgb36");
    let tm = norm.contains("transverse_mercator");
    if !(datum_ok && tm) {
        return false;
    }
    let want = [
        ("false_easting", 400_000.0, 1e-3),
        ("false_northing", -100_000.0, 1e-3),
        ("central_meridian", -2.0, 1e-9),
        ("latitude_of_origin", 49.0, 1e-9),
        ("scale_factor", 0.999_601_271_7, 1e-6),
    ];
    want.iter().all(|(name, value, tol)| {
        wkt_parameter(&norm, name).is_some_and(|v| (v - value).abs() <= *tol)
    })
}

/// The value of `PARAMETER["name",value]` in a lower-cased, space-free WKT string.
fn wkt_parameter(norm: &str, name: &str) -> Option<f64> {
    let key = format!("parameter[\"{name}\",");
    let start = norm.find(&key)? + key.len();
    let rest = &norm[start..];
    let end = rest.find(']')?;
    rest[..end].parse().ok()
}

fn to_cartesian(phi: f64, lambda: f64, a: f64, b: f64) -> (f64, f64, f64) {
    let e2 = 1.0 - (b * b) / (a * a);
    let (sp, cp) = phi.sin_cos();
    let nu = a / (1.0 - e2 * sp * sp).sqrt();
    (
        nu * cp * lambda.cos(),
        nu * cp * lambda.sin(),
        (1.0 - e2) * nu * sp,
    )
}

fn from_cartesian(x: f64, y: f64, z: f64, a: f64, b: f64) -> (f64, f64) {
    let e2 = 1.0 - (b * b) / (a * a);
    let p = (x * x + y * y).sqrt();
    let mut phi = z.atan2(p * (1.0 - e2));
    for _ in 0..8 {
        let s = phi.sin();
        let nu = a / (1.0 - e2 * s * s).sqrt();
        phi = (z + e2 * nu * s).atan2(p);
    }
    (phi, y.atan2(x))
}

/// Seven-parameter Helmert; `sign` = 1 for WGS84 -> OSGB36, -1 for the (approximate) inverse.
fn helmert(x: f64, y: f64, z: f64, sign: f64) -> (f64, f64, f64) {
    let sec = PI / (180.0 * 3600.0);
    let (tx, ty, tz) = (sign * TX, sign * TY, sign * TZ);
    let s = sign * S_PPM * 1e-6;
    let (rx, ry, rz) = (
        sign * RX_SEC * sec,
        sign * RY_SEC * sec,
        sign * RZ_SEC * sec,
    );
    (
        tx + (1.0 + s) * x - rz * y + ry * z,
        ty + rz * x + (1.0 + s) * y - rx * z,
        tz - ry * x + rx * y + (1.0 + s) * z,
    )
}

/// Meridional arc on the Airy ellipsoid, scaled by F0.
fn meridional_arc(phi: f64) -> f64 {
    let n = (AIRY_A - AIRY_B) / (AIRY_A + AIRY_B);
    let (n2, n3) = (n * n, n * n * n);
    let dp = phi - LAT0;
    let sp = phi + LAT0;
    AIRY_B
        * F0
        * ((1.0 + n + 1.25 * n2 + 1.25 * n3) * dp
            - (3.0 * n + 3.0 * n2 + 21.0 / 8.0 * n3) * dp.sin() * sp.cos()
            + (15.0 / 8.0 * n2 + 15.0 / 8.0 * n3) * (2.0 * dp).sin() * (2.0 * sp).cos()
            - 35.0 / 24.0 * n3 * (3.0 * dp).sin() * (3.0 * sp).cos())
}

fn radii(phi: f64) -> (f64, f64, f64) {
    let e2 = 1.0 - (AIRY_B * AIRY_B) / (AIRY_A * AIRY_A);
    let s2 = phi.sin().powi(2);
    let nu = AIRY_A * F0 / (1.0 - e2 * s2).sqrt();
    let rho = AIRY_A * F0 * (1.0 - e2) / (1.0 - e2 * s2).powf(1.5);
    (nu, rho, nu / rho - 1.0)
}

fn project_tm(phi: f64, lambda: f64) -> (f64, f64) {
    let (nu, rho, eta2) = radii(phi);
    let (s, c) = phi.sin_cos();
    let t2 = phi.tan().powi(2);
    let m = meridional_arc(phi);
    let i = m + N0;
    let ii = nu / 2.0 * s * c;
    let iii = nu / 24.0 * s * c.powi(3) * (5.0 - t2 + 9.0 * eta2);
    let iiia = nu / 720.0 * s * c.powi(5) * (61.0 - 58.0 * t2 + t2 * t2);
    let iv = nu * c;
    let v = nu / 6.0 * c.powi(3) * (nu / rho - t2);
    let vi = nu / 120.0 * c.powi(5) * (5.0 - 18.0 * t2 + t2 * t2 + 14.0 * eta2 - 58.0 * t2 * eta2);
    let dl = lambda - LON0;
    let n = i + ii * dl.powi(2) + iii * dl.powi(4) + iiia * dl.powi(6);
    let e = E0 + iv * dl + v * dl.powi(3) + vi * dl.powi(5);
    (e, n)
}

fn unproject_tm(e: f64, n: f64) -> (f64, f64) {
    let mut phi = (n - N0) / (AIRY_A * F0) + LAT0;
    let mut m = meridional_arc(phi);
    let mut guard = 0;
    while (n - N0 - m).abs() >= 1e-5 && guard < 20 {
        phi += (n - N0 - m) / (AIRY_A * F0);
        m = meridional_arc(phi);
        guard += 1;
    }
    let (nu, rho, eta2) = radii(phi);
    let t = phi.tan();
    let (t2, t4, t6) = (t * t, t.powi(4), t.powi(6));
    let sec = 1.0 / phi.cos();
    let vii = t / (2.0 * rho * nu);
    let viii = t / (24.0 * rho * nu.powi(3)) * (5.0 + 3.0 * t2 + eta2 - 9.0 * t2 * eta2);
    let ix = t / (720.0 * rho * nu.powi(5)) * (61.0 + 90.0 * t2 + 45.0 * t4);
    let x = sec / nu;
    let xi = sec / (6.0 * nu.powi(3)) * (nu / rho + 2.0 * t2);
    let xii = sec / (120.0 * nu.powi(5)) * (5.0 + 28.0 * t2 + 24.0 * t4);
    let xiia = sec / (5040.0 * nu.powi(7)) * (61.0 + 662.0 * t2 + 1320.0 * t4 + 720.0 * t6);
    let de = e - E0;
    let lat = phi - vii * de.powi(2) + viii * de.powi(4) - ix * de.powi(6);
    let lon = LON0 + x * de - xi * de.powi(3) + xii * de.powi(5) - xiia * de.powi(7);
    (lat, lon)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dms(d: f64, m: f64, s: f64) -> f64 {
        (d + m / 60.0 + s / 3600.0).to_radians()
    }

    #[test]
    fn transverse_mercator_matches_the_ordnance_survey_worked_example() {
        // OS guide, annex C: Caister water tower, OSGB36 52°39'27.2531"N 1°43'4.5177"E.
        let (e, n) = project_tm(dms(52.0, 39.0, 27.2531), dms(1.0, 43.0, 4.5177));
        assert!((e - 651_409.903).abs() < 0.01, "{e}");
        assert!((n - 313_177.270).abs() < 0.01, "{n}");
        let (phi, lambda) = unproject_tm(651_409.903, 313_177.270);
        assert!((phi - dms(52.0, 39.0, 27.2531)).abs() < 1e-9);
        assert!((lambda - dms(1.0, 43.0, 4.5177)).abs() < 1e-9);
    }

    #[test]
    fn wgs84_to_bng_matches_proj_with_the_same_helmert_parameters() {
        // Reference values from PROJ 9 (pyproj, EPSG:4326 -> EPSG:27700 without the OSTN15
        // grid, i.e. the same seven-parameter Helmert), computed once by hand.
        for (lon, lat, e, n) in [
            (-0.1276, 51.5007, 530_061.686, 179_635.387),
            (-0.4880, 51.4720, 505_113.344, 175_865.469),
            (0.1, 51.6, 545_541.060, 191_106.283),
        ] {
            let (x, y) = wgs84_to_bng(lon, lat);
            assert!(
                (x - e).abs() < 0.05 && (y - n).abs() < 0.05,
                "{lon},{lat}: {x},{y} vs {e},{n}"
            );
        }
    }

    #[test]
    fn round_trip_bng_wgs84_is_centimetre_exact() {
        for (e, n) in [
            (503_568.0, 155_850.0),
            (561_958.0, 200_934.0),
            (530_000.0, 180_000.0),
        ] {
            let (lon, lat) = bng_to_wgs84(e, n);
            let (e2, n2) = wgs84_to_bng(lon, lat);
            assert!(
                (e - e2).abs() < 0.05 && (n - n2).abs() < 0.05,
                "{e},{n} -> {e2},{n2}"
            );
        }
    }

    #[test]
    fn mercator_round_trips() {
        let (x, y) = lonlat_to_mercator(-0.1276, 51.5072);
        let (lon, lat) = mercator_to_lonlat(x, y);
        assert!((lon + 0.1276).abs() < 1e-9 && (lat - 51.5072).abs() < 1e-9);
        assert!((lonlat_to_mercator(180.0, 0.0).0 - MERCATOR_HALF_WORLD).abs() < 1e-6);
    }

    #[test]
    fn esri_british_national_grid_wkt_is_recognised_and_others_are_not() {
        let bng = r#"PROJCS["British_National_Grid",GEOGCS["GCS_OSGB_1936",DATUM["D_OSGB_1936",SPHEROID["Airy_1830",6377563.396,299.3249646]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",400000.0],PARAMETER["False_Northing",-100000.0],PARAMETER["Central_Meridian",-2.0],PARAMETER["Scale_Factor",0.999601272],PARAMETER["Latitude_Of_Origin",49.0],UNIT["Meter",1.0]]"#;
        assert!(wkt_is_british_national_grid(bng));
        let utm = bng.replace("-2.0]", "3.0]");
        assert!(!wkt_is_british_national_grid(&utm));
        let wgs = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        assert!(!wkt_is_british_national_grid(wgs));
        assert!(wkt_is_british_national_grid(
            r#"PROJCRS["OSGB36 / British National Grid",ID["EPSG",27700]] AUTHORITY["EPSG","27700"]"#
        ));
    }

    #[test]
    fn out_of_range_coordinates_are_not_valid() {
        assert!(valid_lon_lat(-0.1, 51.5));
        assert!(!valid_lon_lat(f64::NAN, 51.5));
        assert!(!valid_lon_lat(-0.1, 91.0));
        assert!(!valid_lon_lat(181.0, 0.0));
    }
}
