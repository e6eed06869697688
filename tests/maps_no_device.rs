//! Static map images on a machine without a Vulkan device: the map endpoint answers 503 with
//! a sentence naming what to install, and the rest of the service works as before. The
//! device is hidden from this test process by pointing the Vulkan loader at no driver
//! (`VK_ICD_FILENAMES`, `VK_DRIVER_FILES`) before anything opens it; the renderer asks for
//! Vulkan only, so there is no OpenGL fallback to find.
#![cfg(feature = "maps")]

mod common;

use serde_json::Value;

#[tokio::test]
async fn without_a_vulkan_device_maps_are_503_and_the_rest_runs() {
    // Only test in this binary, and set before the renderer thread starts.
    std::env::set_var("VK_ICD_FILENAMES", "/nonexistent/icd.json");
    std::env::set_var("VK_DRIVER_FILES", "/nonexistent/icd.json");
    std::env::remove_var("WGPU_BACKEND");
    let base = common::server().await;
    for _ in 0..2 {
        let r = reqwest::get(format!(
            "{base}/maps/no2_2019_mean.png?width=256&height=256"
        ))
        .await
        .unwrap();
        assert_eq!(r.status(), 503);
        let body: Value = r.json().await.unwrap();
        let sentence = body["error"].as_str().unwrap();
        assert!(sentence.contains("mesa-vulkan-drivers"), "{sentence}");
    }
    // Bad input is still the client's.
    let r = reqwest::get(format!("{base}/maps/no2_2019_mean.png?width=1"))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = reqwest::get(format!("{base}/api/health")).await.unwrap();
    assert_eq!(r.status(), 200);
    let r = reqwest::get(format!("{base}/tiles/atlas/10/511/340.mvt"))
        .await
        .unwrap();
    assert!(r.status().is_success());
}
