//! Turning a rendered square into the map image: cropped to the view, with the title and
//! period (top left), the legend (bottom left) and the attribution (bottom right) drawn on in
//! Rust (`image` for pixels, `ab_glyph` for text), encoded as PNG in memory.
//!
//! Decorations need room: they are drawn only when the image is at least
//! [`DECOR_MIN_WIDTH`]×[`DECOR_MIN_HEIGHT`]; smaller images are the bare map.
//!
//! Failure modes: [`ComposeError`] for a frame that does not match its view (a bug) or a PNG
//! the encoder refuses; [`load_font`] names the font file it cannot read.

use super::gpu::Frame;
use super::view::MapView;
use super::Decor;
use ab_glyph::{Font, FontArc, PxScale, ScaleFont};
use image::{ImageEncoder, Rgba, RgbaImage};
use std::path::Path;

/// Smallest image width that gets a title, legend and attribution.
pub const DECOR_MIN_WIDTH: u32 = 256;
/// Smallest image height that gets a title, legend and attribution.
pub const DECOR_MIN_HEIGHT: u32 = 192;
const PANEL: Rgba<u8> = Rgba([255, 255, 255, 225]);
const INK: Rgba<u8> = Rgba([34, 34, 34, 255]);
const FAINT: Rgba<u8> = Rgba([90, 90, 90, 255]);

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("the rendered frame ({got} bytes) does not match a {side} px square")]
    Frame { side: u32, got: usize },
    #[error("encoding the PNG failed: {0}")]
    Png(#[from] image::ImageError),
}

/// Reads the font the decorations are written in.
pub fn load_font(path: &Path) -> Result<FontArc, String> {
    let bytes = std::fs::read(path).map_err(|e| {
        format!(
            "cannot read the map font {}: {e} (Debian: apt-get install fonts-dejavu-core)",
            path.display()
        )
    })?;
    FontArc::try_from_vec(bytes).map_err(|e| format!("{} is not a font: {e}", path.display()))
}

fn blend(img: &mut RgbaImage, x: i64, y: i64, c: Rgba<u8>, coverage: f32) {
    if x < 0 || y < 0 || x >= img.width() as i64 || y >= img.height() as i64 {
        return;
    }
    let a = coverage.clamp(0.0, 1.0) * c.0[3] as f32 / 255.0;
    let p = img.get_pixel_mut(x as u32, y as u32);
    for k in 0..3 {
        p.0[k] = (c.0[k] as f32 * a + p.0[k] as f32 * (1.0 - a)).round() as u8;
    }
    p.0[3] = 255;
}

fn fill_rect(img: &mut RgbaImage, x: i64, y: i64, w: i64, h: i64, c: Rgba<u8>) {
    for yy in y..y + h {
        for xx in x..x + w {
            blend(img, xx, yy, c, 1.0);
        }
    }
}

/// Width of `text` at `px` pixels.
fn text_width(font: &FontArc, px: f32, text: &str) -> f32 {
    let f = font.as_scaled(PxScale::from(px));
    let mut w = 0.0;
    let mut prev = None;
    for ch in text.chars() {
        let g = f.glyph_id(ch);
        if let Some(p) = prev {
            w += f.kern(p, g);
        }
        w += f.h_advance(g);
        prev = Some(g);
    }
    w
}

/// `text` shortened with an ellipsis to fit `max` pixels.
fn fit_text(font: &FontArc, px: f32, text: &str, max: f32) -> String {
    if text_width(font, px, text) <= max {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let s: String = chars.iter().collect::<String>() + "…";
        if text_width(font, px, &s) <= max {
            return s;
        }
    }
    String::new()
}

/// Writes `text` with its baseline at `y`, starting at `x`.
fn draw_text(
    img: &mut RgbaImage,
    font: &FontArc,
    px: f32,
    x: f32,
    y: f32,
    c: Rgba<u8>,
    text: &str,
) {
    let scale = PxScale::from(px);
    let f = font.as_scaled(scale);
    let mut pen = x;
    let mut prev = None;
    for ch in text.chars() {
        let id = f.glyph_id(ch);
        if let Some(p) = prev {
            pen += f.kern(p, id);
        }
        let glyph = id.with_scale_and_position(scale, ab_glyph::point(pen, y));
        pen += f.h_advance(id);
        prev = Some(id);
        if let Some(outline) = font.outline_glyph(glyph) {
            let b = outline.px_bounds();
            outline.draw(|gx, gy, cov| {
                blend(
                    img,
                    b.min.x as i64 + gx as i64,
                    b.min.y as i64 + gy as i64,
                    c,
                    cov,
                )
            });
        }
    }
}

fn decorate(img: &mut RgbaImage, font: &FontArc, d: &Decor) {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let k = (w.min(h) / 768.0).clamp(0.8, 1.6);
    let (title_px, text_px, small_px) = (17.0 * k, 12.5 * k, 10.5 * k);
    let pad = (8.0 * k).round();
    // Title and period, top left.
    let max = w * 0.7;
    let title = fit_text(font, title_px, &d.title, max);
    let period = fit_text(font, text_px, &d.subtitle, max);
    let tw = text_width(font, title_px, &title).max(text_width(font, text_px, &period));
    let th = title_px + text_px + pad * 2.5;
    fill_rect(
        img,
        pad as i64,
        pad as i64,
        (tw + 2.0 * pad) as i64,
        th as i64,
        PANEL,
    );
    draw_text(
        img,
        font,
        title_px,
        2.0 * pad,
        pad * 1.6 + title_px * 0.8,
        INK,
        &title,
    );
    draw_text(
        img,
        font,
        text_px,
        2.0 * pad,
        pad * 2.2 + title_px + text_px * 0.8,
        FAINT,
        &period,
    );
    // Legend, bottom left: unit, then one swatch per class, then no data.
    let sw = (text_px * 1.1).round();
    let line = sw + 4.0 * k;
    let rows = d.legend.len() as f32 + 1.0;
    let label_w = d
        .legend
        .iter()
        .map(|(_, l)| text_width(font, text_px, l))
        .chain([text_width(font, text_px, &d.unit)])
        .fold(0.0f32, f32::max)
        .min(w * 0.45);
    let lw = sw + 3.0 * pad + label_w;
    let lh = rows * line + 2.0 * pad;
    let (lx, ly) = (pad, h - pad - lh - small_px - pad);
    fill_rect(img, lx as i64, ly as i64, lw as i64, lh as i64, PANEL);
    let unit = fit_text(font, text_px, &d.unit, label_w + sw);
    draw_text(
        img,
        font,
        text_px,
        lx + pad,
        ly + pad + text_px * 0.8,
        INK,
        &unit,
    );
    for (r, (colour, label)) in d.legend.iter().enumerate() {
        let y = ly + pad + line * (r as f32 + 1.0);
        let rgb = parse_hex(colour).unwrap_or([0, 0, 0]);
        fill_rect(
            img,
            (lx + pad) as i64,
            y as i64,
            sw as i64,
            sw as i64,
            Rgba([rgb[0], rgb[1], rgb[2], 255]),
        );
        let label = fit_text(font, text_px, label, label_w);
        draw_text(
            img,
            font,
            text_px,
            lx + 2.0 * pad + sw,
            y + sw * 0.8,
            INK,
            &label,
        );
    }
    // Attribution, bottom right.
    let attr = fit_text(font, small_px, &d.attribution, w - 4.0 * pad);
    let aw = text_width(font, small_px, &attr);
    let (ax, ay) = (w - aw - 2.0 * pad, h - small_px - pad);
    fill_rect(
        img,
        (ax - pad / 2.0) as i64,
        (ay - pad / 2.0) as i64,
        (aw + pad) as i64,
        (small_px + pad) as i64,
        PANEL,
    );
    draw_text(img, font, small_px, ax, ay + small_px * 0.8, FAINT, &attr);
}

/// `#rrggbb` to bytes.
pub fn parse_hex(c: &str) -> Option<[u8; 3]> {
    let h = c.strip_prefix('#')?;
    if h.len() != 6 {
        return None;
    }
    let b = |k: usize| u8::from_str_radix(&h[k..k + 2], 16).ok();
    Some([b(0)?, b(2)?, b(4)?])
}

/// The PNG of `view` cut from `frame`, decorated when `decor` is given and the image has room.
pub fn compose(
    frame: Frame,
    view: &MapView,
    decor: Option<&Decor>,
    font: &FontArc,
) -> Result<Vec<u8>, ComposeError> {
    let got = frame.rgba.len();
    let square = RgbaImage::from_raw(frame.side, frame.side, frame.rgba)
        .filter(|_| frame.side >= view.width.max(view.height))
        .ok_or(ComposeError::Frame {
            side: frame.side,
            got,
        })?;
    let mut img = image::imageops::crop_imm(&square, 0, 0, view.width, view.height).to_image();
    if let Some(d) = decor {
        if view.width >= DECOR_MIN_WIDTH && view.height >= DECOR_MIN_HEIGHT {
            decorate(&mut img, font, d);
        }
    }
    let rgb = image::DynamicImage::ImageRgba8(img).to_rgb8();
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png).write_image(
        rgb.as_raw(),
        rgb.width(),
        rgb.height(),
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(png)
}
