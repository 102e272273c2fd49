//! Builds the wasmicro component so that one `cargo build` builds everything, and tells the
//! host where the `.wasm` is to embed it.
//!
//! The component is built by a nested cargo into `target/component` (a target directory of
//! its own, so the outer build's lock is not contended); `npm run build` in `jco-bindings`
//! transpiles that very file. `WASMICRO_COMPONENT=path` embeds a prebuilt component instead.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=WASMICRO_COMPONENT");
    if let Ok(path) = env::var("WASMICRO_COMPONENT") {
        println!("cargo:rustc-env=WASMICRO_COMPONENT_PATH={path}");
        return;
    }
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir.parent().expect("host/ sits in the workspace root").to_path_buf();
    for watched in
        ["component/src", "component/kernels", "component/Cargo.toml", "wit", ".cargo/config.toml", "Cargo.toml"]
    {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    let target_dir = root.join("target").join("component");
    let mut cargo = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .current_dir(&root)
        .args([
            "build",
            "--package",
            "wasmicro-component",
            "--target",
            "wasm32-wasip2",
            "--profile",
            "component",
            "--target-dir",
        ])
        .arg(&target_dir);
    // The outer build's settings (host rustflags, profile overrides) must not leak in; the
    // jobserver (CARGO_MAKEFLAGS) is kept so both builds share the machine's cores.
    for (key, _) in env::vars() {
        if (key.starts_with("CARGO_") && key != "CARGO_HOME" && key != "CARGO_MAKEFLAGS")
            || key == "RUSTFLAGS"
            || key.starts_with("RUSTC_")
        {
            cargo.env_remove(key);
        }
    }
    let status = cargo.status().expect("cannot run cargo to build the component");
    assert!(
        status.success(),
        "building the wasmicro component failed (is the wasm32-wasip2 target installed? `rustup target add wasm32-wasip2`)"
    );
    let wasm = target_dir.join("wasm32-wasip2").join("component").join("wasmicro_component.wasm");
    println!("cargo:rustc-env=WASMICRO_COMPONENT_PATH={}", wasm.display());
}
