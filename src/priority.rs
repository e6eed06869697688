//! The London Health and Care Vision's priorities (ten, numbered) and the extra groups of
//! context indicators, each with the measures the Vision tracks and the atlas's indicators
//! for it. A priority the open data cannot measure keeps its place with a note saying why.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Priority {
    pub id: String,
    /// 1-10 for the Vision's priorities; none for the extra groups.
    pub number: Option<u8>,
    pub title: String,
    /// The measures the Vision tracks for it, in its words.
    pub measures: Vec<String>,
    /// Ids of the atlas's indicators for it, in manifest order.
    pub indicators: Vec<String>,
    /// Ids of its series (indicators over several periods).
    pub series: Vec<String>,
    pub note: String,
}
