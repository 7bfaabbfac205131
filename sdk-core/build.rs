//! Compiles `../proto` into Rust at build time.
//!
//! `protox` parses the .proto files in pure Rust, so building fabweave needs no
//! system `protoc`. Every .proto file under `../proto` is compiled; the
//! generated code lands in `OUT_DIR`, one file per protobuf package, and is
//! included by `src/proto.rs`.

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../proto");
    println!("cargo:rerun-if-changed=../proto");
    println!("cargo:rerun-if-changed=build.rs");

    let mut files = Vec::new();
    collect_protos(&root, &root, &mut files)?;
    // A stable order keeps the generated code, and so rebuilds, deterministic.
    files.sort();

    // The set includes google/protobuf/*.proto as imports; prost maps those
    // types to prost-types instead of generating them.
    let fds = protox::compile(&files, [&root])?;

    tonic_prost_build::configure()
        .build_client(true)
        // Servers are generated too, so tests can stand up fake peers and orderers.
        .build_server(true)
        .emit_rerun_if_changed(false)
        .compile_fds(fds)?;
    Ok(())
}

/// Collects the paths of all `.proto` files below `dir`, relative to `root`.
fn collect_protos(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Box<dyn Error>> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_protos(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "proto") {
            out.push(path.strip_prefix(root)?.to_path_buf());
        }
    }
    Ok(())
}
