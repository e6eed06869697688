# London Atlas as a container image (docs/deploy.md). Three stages: the Rust build, the web
# map's npm packages, and a small Debian runtime that runs as a non-root user with the data
# mounted read-only at /data:
#
#   docker build -t london-atlas .
#   docker run --rm -p 8080:8080 -v "$PWD/../shared/data:/data:ro" \
#     -e ATLAS_PUBLIC_URL=https://atlas.example.org london-atlas
#
# tests/deploy_files.rs checks what can be checked without a Docker daemon: every COPY
# source exists, the runtime's command and environment start the real binary on real data,
# and the HEALTHCHECK command answers. (This image has not been built here: the machine it
# was written on has only the Docker client.)

# --- build: the release binary (default features: no map-image renderer) ---
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY boundaries ./boundaries
# Cargo.toml declares the benches, so their files must exist to read the manifest.
COPY benches ./benches
RUN cargo build --release --locked --bin london-atlas

# --- web: MapLibre GL JS for the map at / (`npm ci --prefix web`, no dev packages) ---
FROM node:20-bookworm-slim AS web
WORKDIR /app
COPY web ./web
RUN npm ci --prefix web --omit=dev --no-audit --no-fund

# --- runtime: the binary links only libc, libm and libgcc_s (all in bookworm-slim); TLS for
# `--fetch` uses compiled-in roots, so no ca-certificates either ---
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin atlas
COPY --from=build /src/target/release/london-atlas /usr/local/bin/london-atlas
COPY --from=web /app/web /app/web
ENV ATLAS_DATA=/data \
    ATLAS_WEB=/app/web \
    RUST_LOG=info
USER atlas
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["london-atlas", "health", "--url", "http://127.0.0.1:8080/api/health"]
ENTRYPOINT ["london-atlas"]
CMD ["serve", "--addr", "0.0.0.0:8080"]
