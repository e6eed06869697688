//! Static map images (`GET /maps/{indicator}.png`) on the real data.
//!
//! Colours are checked against an independent computation: each LSOA's value from
//! `/api/values` and its indicator's classes from `/api/indicators` (the classes the style
//! and web map use), its class found here by counting breaks; its interior point from geo's
//! `InteriorPoint` on the boundary, projected to the image through Web Mercator with the
//! extent the answer reports in `X-Map-Bbox`. Bad parameters must be 4xx JSON whatever the
//! build; the pictures need the `maps` feature and a Vulkan device.

mod common;

use serde_json::Value;

async fn get(url: &str) -> reqwest::Response {
    reqwest::get(url).await.expect("request")
}

async fn error_of(url: &str) -> (u16, String) {
    let r = get(url).await;
    let status = r.status().as_u16();
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/json",
        "{url}"
    );
    let body: Value = r.json().await.expect("JSON error");
    (
        status,
        body["error"].as_str().expect("error sentence").to_string(),
    )
}

#[tokio::test]
async fn bad_parameters_are_4xx_json_naming_the_problem() {
    let base = common::server().await;
    let m = format!("{base}/maps/no2_2019_mean.png");
    let cases: Vec<(String, u16, &str)> = vec![
        (format!("{m}?width=63"), 400, "width"),
        (format!("{m}?width=2049"), 400, "width"),
        (format!("{m}?height=abc"), 400, "height"),
        (format!("{m}?height=0"), 400, "height"),
        (format!("{m}?bbox=1,2,3"), 400, "bbox"),
        (format!("{m}?bbox=0.1,51.4,-0.2,51.6"), 400, "bbox"),
        (format!("{m}?bbox=a,b,c,d"), 400, "bbox"),
        (
            format!("{m}?bbox=-0.2,51.4,0.1,51.6&area=boroughs/E09000007"),
            400,
            "bbox or area",
        ),
        (format!("{m}?area=E09000007"), 400, "layer/code"),
        (format!("{m}?area=boroughs/NOPE"), 404, "NOPE"),
        (format!("{m}?area=rivers/E09000007"), 404, "rivers"),
        (format!("{m}?legend=maybe"), 400, "legend"),
        (format!("{m}?zoom=3"), 400, "zoom"),
        (
            format!("{base}/maps/not_an_indicator.png"),
            404,
            "not_an_indicator",
        ),
        (format!("{base}/maps/no2_2019_mean.jpg"), 404, ".png"),
    ];
    for (url, status, mention) in cases {
        let (got, sentence) = error_of(&url).await;
        assert_eq!(got, status, "{url}: {sentence}");
        assert!(
            sentence.contains(mention),
            "{url}: \"{sentence}\" should name {mention}"
        );
    }
}

/// Without the feature the endpoint says how to turn it on (and the rest still works).
#[cfg(not(feature = "maps"))]
#[tokio::test]
async fn without_the_feature_maps_are_503_naming_the_feature() {
    let base = common::server().await;
    let (status, sentence) = error_of(&format!("{base}/maps/no2_2019_mean.png")).await;
    assert_eq!(status, 503);
    assert!(sentence.contains("--features maps"), "{sentence}");
    assert_eq!(get(&format!("{base}/api/health")).await.status(), 200);
}

#[cfg(feature = "maps")]
mod pictures {
    use super::*;
    use geo::InteriorPoint;
    use london_atlas::geom::crs::{bng_to_wgs84, lonlat_to_mercator};
    use std::collections::HashMap;

    struct Picture {
        img: image::RgbImage,
        /// west, south, east, north, from X-Map-Bbox.
        extent: [f64; 4],
    }

    async fn picture(url: &str) -> Picture {
        let r = get(url).await;
        assert_eq!(r.status(), 200, "{url}: {:?}", r.text().await);
        assert_eq!(r.headers()["content-type"], "image/png");
        let extent: Vec<f64> = r.headers()["x-map-bbox"]
            .to_str()
            .unwrap()
            .split(',')
            .map(|v| v.parse().unwrap())
            .collect();
        let bytes = r.bytes().await.unwrap();
        let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
            .expect("a PNG")
            .to_rgb8();
        Picture {
            img,
            extent: extent.try_into().unwrap(),
        }
    }

    /// (breaks, colours, no-data colour) of an indicator on a layer, from /api/indicators.
    async fn classes(base: &str, id: &str, layer: &str) -> (Vec<f64>, Vec<String>, String) {
        let all: Value = get(&format!("{base}/api/indicators"))
            .await
            .json()
            .await
            .unwrap();
        let ind = all
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .expect("indicator listed");
        let c = &ind["classes"][layer];
        let breaks = c["breaks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_f64().unwrap())
            .collect();
        let colours = c["colours"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        (breaks, colours, c["no_data"].as_str().unwrap().to_string())
    }

    fn rgb(hex: &str) -> [u8; 3] {
        let b = |k: usize| u8::from_str_radix(&hex[k..k + 2], 16).unwrap();
        [b(1), b(3), b(5)]
    }

    /// Checks every visible LSOA's interior pixel; returns (matching, visible).
    async fn check_lsoa_colours(base: &str, id: &str, pic: &Picture) -> (usize, usize) {
        let (breaks, colours, no_data) = classes(base, id, "lsoa11").await;
        let values: Value = get(&format!("{base}/api/values?layer=lsoa11&indicator={id}"))
            .await
            .json()
            .await
            .unwrap();
        let value: HashMap<&str, Option<f64>> = values["areas"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["code"].as_str().unwrap(), a["value"].as_f64()))
            .collect();
        let (x0, y0) = lonlat_to_mercator(pic.extent[0], pic.extent[1]);
        let (x1, y1) = lonlat_to_mercator(pic.extent[2], pic.extent[3]);
        let (w, h) = (pic.img.width() as f64, pic.img.height() as f64);
        let atlas = common::atlas();
        let lsoas = atlas.layer("lsoa11").unwrap();
        let (mut ok, mut seen) = (0, 0);
        let mut wrong = Vec::new();
        for a in &lsoas.areas {
            let p = a.geometry.interior_point().expect("interior point");
            let (lon, lat) = bng_to_wgs84(p.x(), p.y());
            let (mx, my) = lonlat_to_mercator(lon, lat);
            let px = (mx - x0) / (x1 - x0) * w;
            let py = (y1 - my) / (y1 - y0) * h;
            if px < 2.0 || py < 2.0 || px > w - 2.0 || py > h - 2.0 {
                continue;
            }
            seen += 1;
            let want = match value[a.code.as_str()] {
                Some(v) => &colours[breaks.iter().take_while(|b| v >= **b).count()],
                None => &no_data,
            };
            let got = pic.img.get_pixel(px as u32, py as u32).0;
            let close = got.iter().zip(rgb(want)).all(|(g, w)| g.abs_diff(w) <= 2);
            if close {
                ok += 1;
            } else if wrong.len() < 5 {
                wrong.push(format!(
                    "{} at ({px:.0},{py:.0}): {got:?} not {want}",
                    a.code
                ));
            }
        }
        eprintln!("{ok}/{seen} LSOA interiors in their class colour; e.g. wrong: {wrong:?}");
        (ok, seen)
    }

    /// The renderer's self-test (a square drawn and its colour read back) passes on a Vulkan
    /// device; the adapter is printed so CI logs say which one drew.
    #[test]
    fn the_renderer_passes_its_self_test_on_vulkan() {
        use london_atlas::render::{MapRenderer, Status};
        use london_atlas::tiles::TileStore;
        let r = MapRenderer::new(std::sync::Arc::new(TileStore::new(common::atlas())));
        match r.start() {
            Status::Ready { backend } => {
                eprintln!("map renderer backend: {backend}");
                assert!(backend.contains("Vulkan"), "{backend}");
            }
            other => panic!("the renderer is not ready: {other:?}"),
        }
    }

    #[tokio::test]
    async fn central_london_lsoas_are_drawn_in_their_class_colours() {
        let base = common::server().await;
        let url = format!(
            "{base}/maps/no2_2019_mean.png?bbox=-0.20,51.48,-0.05,51.54&width=1024&height=768&legend=false"
        );
        let pic = picture(&url).await;
        assert_eq!((pic.img.width(), pic.img.height()), (1024, 768));
        let (ok, seen) = check_lsoa_colours(&base, "no2_2019_mean", &pic).await;
        assert!(seen > 300, "only {seen} LSOAs visible in central London");
        assert!(ok * 100 >= seen * 95, "{ok}/{seen} in the right colour");
        // Nothing was written to the working directory.
        assert!(!std::path::Path::new("frame_0.png").exists());
    }

    #[tokio::test]
    async fn a_borough_map_fits_the_borough_and_colours_its_lsoas() {
        let base = common::server().await;
        let camden = "E09000007";
        let url = format!(
            "{base}/maps/imd2019_score.png?area=boroughs/{camden}&width=800&height=800&legend=false"
        );
        let pic = picture(&url).await;
        assert_eq!((pic.img.width(), pic.img.height()), (800, 800));
        let (ok, seen) = check_lsoa_colours(&base, "imd2019_score", &pic).await;
        // Every Camden LSOA is visible (the borough is fitted with a margin).
        let atlas = common::atlas();
        let in_camden = atlas
            .layer("lsoa11")
            .unwrap()
            .areas
            .iter()
            .filter(|a| a.borough.as_deref() == Some(camden))
            .count();
        assert!(seen >= in_camden, "{seen} visible, Camden has {in_camden}");
        assert!(ok * 100 >= seen * 95, "{ok}/{seen} in the right colour");
    }

    #[tokio::test]
    async fn images_have_the_size_asked_and_decorations_only_add_ink() {
        let base = common::server().await;
        let m = format!("{base}/maps/no2_2019_mean.png");
        for (w, h) in [(64, 64), (333, 211), (300, 1000)] {
            let pic = picture(&format!("{m}?width={w}&height={h}")).await;
            assert_eq!((pic.img.width(), pic.img.height()), (w, h));
        }
        let pic = picture(&m).await;
        assert_eq!((pic.img.width(), pic.img.height()), (1024, 768));
        let bare = picture(&format!("{m}?legend=false")).await;
        assert_eq!(pic.extent, bare.extent);
        // The title, legend and attribution change some pixels, but not most of the map.
        let changed = pic
            .img
            .pixels()
            .zip(bare.img.pixels())
            .filter(|(a, b)| a != b)
            .count();
        let total = 1024 * 768;
        assert!(
            changed > total / 100,
            "decorations changed only {changed} pixels"
        );
        assert!(
            changed < total / 5,
            "decorations changed {changed} of {total} pixels"
        );
        // Among the changed pixels: every class colour (the legend's swatches) and dark text.
        let new: Vec<[u8; 3]> = pic
            .img
            .pixels()
            .zip(bare.img.pixels())
            .filter(|(a, b)| a != b)
            .map(|(a, _)| a.0)
            .collect();
        let (_, colours, no_data) = classes(&base, "no2_2019_mean", "lsoa11").await;
        for c in colours.iter().chain([&no_data]) {
            let want = rgb(c);
            assert!(new.contains(&want), "the legend has no swatch of {c}");
        }
        assert!(
            new.iter().any(|p| p.iter().all(|&v| v < 60)),
            "no dark text drawn"
        );
    }
}
