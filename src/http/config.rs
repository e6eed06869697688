//! The `serve` config file (TOML; `--config FILE` or `ATLAS_CONFIG`): every limit and option
//! of `serve`, named as its flag with `_` for `-` (`header_timeout = 5`, `allowed_hosts =
//! ["atlas.example.org"]`). The command applies it under flags and environment variables:
//! flag > environment > file > default. Relative paths are relative to the file's folder.
//!
//! Failure modes: [`ConfigError`] names the file and, for an unknown key or a wrong type,
//! the key (and its line).

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// What a config file may set (all optional).
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    pub data: Option<PathBuf>,
    pub manifest: Option<PathBuf>,
    pub no_verify: Option<bool>,
    pub addr: Option<SocketAddr>,
    pub public_url: Option<String>,
    pub web: Option<PathBuf>,
    pub tiles: Option<PathBuf>,
    pub workers: Option<usize>,
    pub queue: Option<usize>,
    pub header_timeout: Option<f64>,
    pub body_timeout: Option<f64>,
    pub request_timeout: Option<f64>,
    pub max_connections: Option<usize>,
    pub max_header_bytes: Option<usize>,
    pub drain: Option<f64>,
    pub admin_token: Option<String>,
    pub log_format: Option<String>,
    pub allowed_hosts: Option<Vec<String>>,
    pub tile_cache_mb: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
}

impl ServeConfig {
    /// Reads and checks `path` (unknown keys are refused).
    pub fn read(path: &Path) -> Result<ServeConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = ServeConfig::parse(&text).map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        for p in [
            &mut config.data,
            &mut config.manifest,
            &mut config.web,
            &mut config.tiles,
        ]
        .into_iter()
        .flatten()
        {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        }
        Ok(config)
    }

    /// Parses the TOML text (the message names an unknown or mistyped key and its line).
    pub fn parse(text: &str) -> Result<ServeConfig, String> {
        toml::from_str(text).map_err(|e: toml::de::Error| {
            let Some(span) = e.span() else {
                return e.message().to_string();
            };
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            let source = text.lines().nth(line - 1).unwrap_or("").trim();
            format!("line {line} (`{source}`): {}", e.message())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_parses_and_unknown_keys_are_named() {
        let c = ServeConfig::parse(
            "workers = 3\nheader_timeout = 2.5\nallowed_hosts = [\"a.example\"]\n\
             log_format = \"json\"\naddr = \"127.0.0.1:9000\"\n",
        )
        .expect("parses");
        assert_eq!(c.workers, Some(3));
        assert_eq!(c.header_timeout, Some(2.5));
        assert_eq!(c.allowed_hosts, Some(vec!["a.example".to_string()]));
        assert_eq!(c.addr, Some("127.0.0.1:9000".parse().expect("addr")));
        let e = ServeConfig::parse("workers = 2\nwokers = 3\n").expect_err("unknown key");
        assert!(e.contains("wokers") && e.contains("line 2"), "{e}");
        let e = ServeConfig::parse("workers = \"many\"\n").expect_err("a string");
        assert!(e.contains("workers"), "{e}");
    }
}
