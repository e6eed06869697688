//! The tile cache: encoded tiles (raw and gzip bytes with strong ETags) kept in memory,
//! bounded by bytes, with hit and miss counts. When a new tile would take the cache over its
//! budget the oldest tiles are dropped first (a tile is deterministic, so a dropped tile is
//! only rebuilt, never wrong).
//!
//! Failure modes: none reach the caller. A lock poisoned by a panic elsewhere is recovered:
//! the cache is emptied (its byte count may be off) and the event is logged.
//!
//! ```
//! use london_atlas::tiles::cache::{EncodedTile, TileCache};
//! use london_atlas::tiles::{TileId, Tileset};
//! let cache = TileCache::new(1 << 20);
//! let id = TileId::new(10, 511, 340).unwrap();
//! let all = london_atlas::tiles::Fields::All;
//! assert!(cache.get(Tileset::Atlas, &all, id).is_none());
//! cache.insert(Tileset::Atlas, &all, id, Some(EncodedTile::new(vec![1, 2, 3]).into()));
//! assert!(cache.get(Tileset::Atlas, &all, id).is_some());
//! assert_eq!((cache.stats().hits, cache.stats().misses), (1, 1));
//! ```

use super::fields::Fields;
use super::grid::TileId;
use super::tileset::Tileset;
use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock, RwLockWriteGuard};

/// Default budget: about twice the whole `atlas` pyramid with every per-layer tileset.
pub const DEFAULT_CACHE_BYTES: usize = 512 << 20;

/// What an entry costs besides its bytes (key, map slot, Arc), an estimate.
const ENTRY_OVERHEAD: usize = 128;

/// One encoded tile, ready to send: the raw bytes, their gzip (made at once by
/// [`EncodedTile::new`], or by [`EncodedTile::lazy`] only when a client first asks for it) and
/// both strong ETags.
#[derive(Debug, Clone)]
pub struct EncodedTile {
    /// Uncompressed MVT bytes.
    pub raw: Bytes,
    gzip: OnceLock<Bytes>,
    /// Strong ETag (quoted) of the uncompressed representation.
    pub etag: String,
    /// Strong ETag (quoted) of the gzip representation.
    pub etag_gzip: String,
    /// Memory counted for the gzip: its size when made at once, else the raw size (deflate
    /// output is never much larger), so [`EncodedTile::bytes`] never changes.
    gzip_reserve: usize,
}

impl EncodedTile {
    /// Compresses `raw` now and computes both ETags (from the raw bytes' SHA-256).
    pub fn new(raw: Vec<u8>) -> EncodedTile {
        let t = EncodedTile::lazy(raw);
        let gzip = gzip(&t.raw);
        EncodedTile {
            gzip_reserve: gzip.len(),
            gzip: OnceLock::from(gzip),
            ..t
        }
    }

    /// Computes both ETags now and compresses on the first call of [`EncodedTile::gzip`]:
    /// at the default level gzip costs several times the cutting and encoding of a
    /// low-zoom tile, wasted when no client asks for it.
    pub fn lazy(raw: Vec<u8>) -> EncodedTile {
        let digest = Sha256::digest(&raw);
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        EncodedTile {
            gzip_reserve: raw.len(),
            raw: Bytes::from(raw),
            gzip: OnceLock::new(),
            etag: format!("\"{hex}\""),
            etag_gzip: format!("\"{hex}-gz\""),
        }
    }

    /// The gzip-compressed bytes, compressed now if not yet (CPU work: off the async workers
    /// unless [`EncodedTile::has_gzip`]).
    pub fn gzip(&self) -> Bytes {
        self.gzip.get_or_init(|| gzip(&self.raw)).clone()
    }

    /// True once the gzip bytes exist.
    pub fn has_gzip(&self) -> bool {
        self.gzip.get().is_some()
    }

    /// Bytes this tile holds (or may come to hold) in memory; fixed at construction.
    pub fn bytes(&self) -> usize {
        self.raw.len() + self.gzip_reserve + self.etag.len() + self.etag_gzip.len()
    }
}

fn gzip(raw: &[u8]) -> Bytes {
    let mut gz = GzEncoder::new(Vec::with_capacity(raw.len() / 2), Compression::default());
    // Writing to a Vec cannot fail.
    let out = gz
        .write_all(raw)
        .and_then(|_| gz.finish())
        .unwrap_or_default();
    Bytes::from(out)
}

/// A cached answer: `None` = the tile is empty.
pub type Cached = Option<Arc<EncodedTile>>;

type Key = (Tileset, Fields, TileId);

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<Key, Cached>,
    /// Keys in insertion order, oldest first.
    order: VecDeque<Key>,
    bytes: usize,
}

/// Counts for monitoring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    pub tiles: usize,
    pub bytes: usize,
    pub max_bytes: usize,
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
}

/// Encoded tiles by tileset and id, at most `max_bytes` of them.
#[derive(Debug)]
pub struct TileCache {
    entries: RwLock<Entries>,
    max_bytes: usize,
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
}

fn cost(tile: &Cached) -> usize {
    ENTRY_OVERHEAD + tile.as_ref().map_or(0, |t| t.bytes())
}

impl TileCache {
    pub fn new(max_bytes: usize) -> TileCache {
        TileCache {
            entries: RwLock::new(Entries::default()),
            max_bytes,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
        }
    }

    /// The cached answer for a tile (`Some(None)` = cached and empty), counting a hit or miss.
    pub fn get(&self, t: Tileset, fields: &Fields, id: TileId) -> Option<Cached> {
        let found = match self.entries.read() {
            Ok(e) => e.map.get(&(t, fields.clone(), id)).cloned(),
            Err(_) => {
                self.write().map.clear();
                None
            }
        };
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps a built tile, dropping the oldest tiles while over budget. A tile larger than
    /// the whole budget is not kept.
    pub fn insert(&self, t: Tileset, fields: &Fields, id: TileId, tile: Cached) {
        let c = cost(&tile);
        if c > self.max_bytes {
            return;
        }
        let mut e = self.write();
        let key = (t, fields.clone(), id);
        if let Some(old) = e.map.insert(key.clone(), tile) {
            e.bytes -= cost(&old);
        } else {
            e.order.push_back(key);
        }
        e.bytes += c;
        while e.bytes > self.max_bytes {
            let Some(oldest) = e.order.pop_front() else {
                break;
            };
            if let Some(old) = e.map.remove(&oldest) {
                e.bytes -= cost(&old);
                self.evictions.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub fn stats(&self) -> CacheStats {
        let (tiles, bytes) = match self.entries.read() {
            Ok(e) => (e.map.len(), e.bytes),
            Err(_) => (0, 0),
        };
        CacheStats {
            tiles,
            bytes,
            max_bytes: self.max_bytes,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
        }
    }

    /// The entries for writing; a poisoned lock is recovered with an emptied cache.
    fn write(&self) -> RwLockWriteGuard<'_, Entries> {
        self.entries.write().unwrap_or_else(|poisoned| {
            tracing::warn!("the tile cache lock was poisoned by a panic; emptying the cache");
            let mut e = poisoned.into_inner();
            *e = Entries::default();
            self.entries.clear_poison();
            e
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(n: usize) -> Cached {
        Some(Arc::new(EncodedTile::new(vec![7u8; n])))
    }

    #[test]
    fn the_cache_stays_within_its_budget_dropping_the_oldest_first() {
        let one = cost(&tile(1000));
        let cache = TileCache::new(3 * one);
        let ids: Vec<TileId> = (0..5)
            .map(|x| TileId::new(3, x, 0).expect("tile"))
            .collect();
        for id in &ids {
            cache.insert(Tileset::Atlas, &Fields::All, *id, tile(1000));
        }
        let s = cache.stats();
        assert_eq!((s.tiles, s.evictions), (3, 2));
        assert!(s.bytes <= s.max_bytes);
        assert!(cache.get(Tileset::Atlas, &Fields::All, ids[0]).is_none());
        assert!(cache.get(Tileset::Atlas, &Fields::All, ids[4]).is_some());
        assert_eq!((cache.stats().hits, cache.stats().misses), (1, 1));
    }

    #[test]
    fn empty_tiles_are_cached_as_empty_and_oversized_ones_not_at_all() {
        let cache = TileCache::new(10_000);
        let id = TileId::new(0, 0, 0).expect("tile");
        cache.insert(Tileset::Layer(1), &Fields::All, id, None);
        assert!(matches!(
            cache.get(Tileset::Layer(1), &Fields::All, id),
            Some(None)
        ));
        cache.insert(Tileset::Atlas, &Fields::All, id, tile(20_000));
        assert!(cache.get(Tileset::Atlas, &Fields::All, id).is_none());
    }

    #[test]
    fn a_lazy_tile_compresses_on_first_ask_to_what_an_eager_one_holds() {
        let raw: Vec<u8> = (0..5000u32).map(|k| (k % 7 + k / 100) as u8).collect();
        let eager = EncodedTile::new(raw.clone());
        let lazy = EncodedTile::lazy(raw.clone());
        assert!(eager.has_gzip() && !lazy.has_gzip());
        assert_eq!(
            (&lazy.etag, &lazy.etag_gzip),
            (&eager.etag, &eager.etag_gzip)
        );
        let counted = lazy.bytes();
        assert!(counted >= eager.bytes());
        assert_eq!(lazy.gzip(), eager.gzip());
        assert!(lazy.has_gzip());
        assert_eq!(lazy.bytes(), counted, "the cost never changes");
        let mut back = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&lazy.gzip()[..]),
            &mut back,
        )
        .expect("gzip");
        assert_eq!(back, raw);
    }
}
