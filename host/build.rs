//! Builds the wasmicro component so that one `cargo build` builds everything, and tells the
//! host where the `.wasm` is to embed it.
//!
//! 1. A nested cargo builds `wasmicro-component` for `wasm32-wasip2` (`--profile component`)
//!    into `target/component` (a target directory of its own, so the outer build's lock is
//!    not contended).
//! 2. When binaryen's `wasm-opt` is found (`WASM_OPT`, else the one `npm ci` installs in
//!    `jco-bindings/node_modules/binaryen`, else the PATH's), the component's main core module
//!    is optimised for size with `-Oz` and spliced back into the component: about 15% smaller,
//!    same behaviour (the whole test suite runs against this artifact). Binaryen older than
//!    ~116 (Debian's 108) cannot read relaxed SIMD and leaves that variant unoptimised.
//! 3. The result is `target/component/wasmicro.wasm`, which the host embeds and
//!    `jco-bindings` transpiles: one artifact for every runtime.
//! 4. The same source is built again with relaxed SIMD (`f32x4.relaxed_madd` in the f32
//!    matmuls) as `target/component/wasmicro-relaxed.wasm`: `jco-bindings` ships its core
//!    module beside the SIMD128 one and loads it where the engine validates relaxed SIMD.
//!
//! `WASMICRO_COMPONENT=path` embeds a prebuilt component instead.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=WASMICRO_COMPONENT");
    println!("cargo:rerun-if-env-changed=WASM_OPT");
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
    // A binaryen installed or upgraded by `npm ci` re-optimises (watched only once present:
    // a missing path would rerun this script on every build).
    let npm_binaryen = root.join("jco-bindings/node_modules/binaryen/package.json");
    if npm_binaryen.exists() {
        println!("cargo:rerun-if-changed={}", npm_binaryen.display());
    }
    let target_dir = root.join("target").join("component");
    let artifact = build_component(&root, &target_dir, Variant::Simd128);
    // The relaxed-SIMD build is for the JavaScript package, which picks it where the engine
    // validates relaxed SIMD (V8 fuses `f32x4.relaxed_madd`: ~18% faster f32 in Node 24).
    // The host keeps the SIMD128 build: Cranelift ran the relaxed one 5–10% slower.
    build_component(&root, &target_dir, Variant::RelaxedSimd);
    println!("cargo:rustc-env=WASMICRO_COMPONENT_PATH={}", artifact.display());
}

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Simd128,
    RelaxedSimd,
}

/// Builds one variant of the component into `target_dir` and returns the artifact's path:
/// `wasmicro.wasm` (SIMD128) or `wasmicro-relaxed.wasm`.
fn build_component(root: &Path, target_dir: &Path, variant: Variant) -> PathBuf {
    let (variant_dir, file_name) = match variant {
        Variant::Simd128 => (target_dir.to_path_buf(), "wasmicro.wasm"),
        Variant::RelaxedSimd => (target_dir.join("relaxed"), "wasmicro-relaxed.wasm"),
    };
    let mut cargo = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .current_dir(root)
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
        .arg(&variant_dir);
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
    if variant == Variant::RelaxedSimd {
        // Replaces .cargo/config.toml's `+simd128` for this target only.
        cargo.env("CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS", "-C target-feature=+simd128,+relaxed-simd");
    }
    let status = cargo.status().expect("cannot run cargo to build the component");
    assert!(
        status.success(),
        "building the wasmicro component failed (is the wasm32-wasip2 target installed? `rustup target add wasm32-wasip2`)"
    );
    let built = variant_dir.join("wasm32-wasip2").join("component").join("wasmicro_component.wasm");
    let artifact = target_dir.join(file_name);
    let bytes = std::fs::read(&built).expect("the component was built");
    let final_bytes = match optimise(&bytes, root, &variant_dir) {
        Ok(optimised) => optimised,
        Err(why) => {
            println!("cargo:warning=component not size-optimised ({why}); install binaryen for the small build");
            bytes
        }
    };
    std::fs::write(&artifact, final_bytes).expect("target/component is writable");
    artifact
}

/// Runs `wasm-opt -Oz` on the component's largest core module and splices it back.
fn optimise(component: &[u8], root: &Path, scratch: &Path) -> Result<Vec<u8>, String> {
    let npm_wasm_opt = root.join("jco-bindings/node_modules/binaryen/bin/wasm-opt");
    let wasm_opt = env::var("WASM_OPT")
        .ok()
        .unwrap_or_else(|| if npm_wasm_opt.exists() { npm_wasm_opt.display().to_string() } else { "wasm-opt".into() });
    let sections = sections(component)?;
    let (start, end) =
        sections.iter().filter(|s| s.0 == 1).map(|s| (s.1, s.2)).max_by_key(|(s, e)| e - s).ok_or("no core module")?;
    let (input, output) = (scratch.join("core.wasm"), scratch.join("core.opt.wasm"));
    std::fs::write(&input, &component[start..end]).map_err(|e| e.to_string())?;
    let features = [
        "--enable-simd",
        "--enable-bulk-memory",
        "--enable-nontrapping-float-to-int",
        "--enable-sign-ext",
        "--enable-mutable-globals",
        "--enable-multivalue",
        "--enable-reference-types",
        "--enable-relaxed-simd",
    ];
    // `--converge` repeats the passes until the module stops shrinking: ~200 bytes more for ~1 s
    // of build. `--low-memory-unused` lets wasm-opt move `i32.add(p, small constant)` into the
    // loads' offset immediates, which V8 cannot do itself (the add may wrap; an offset cannot):
    // the int8 kernel's interleaved rows rely on it, and it saves ~1.2 KB. It is exact for this
    // program: the fold differs only where `p + constant` wraps past 4 GiB, which no Rust pointer
    // arithmetic does.
    let status = Command::new(&wasm_opt)
        .args(["-Oz", "--converge", "--strip-producers", "--low-memory-unused"])
        .args(features)
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .status()
        .map_err(|e| format!("{wasm_opt}: {e}"))?;
    if !status.success() {
        return Err(format!("{wasm_opt} failed"));
    }
    let optimised = std::fs::read(&output).map_err(|e| e.to_string())?;
    let header_start = sections.iter().find(|s| s.1 == start).map(|s| s.3).ok_or("section lost")?;
    let mut out = component[..header_start].to_vec();
    out.push(1);
    write_leb(&mut out, optimised.len() as u64);
    out.extend_from_slice(&optimised);
    // The sections after the core module, less the debugging names of the component's items
    // (`component-name`, ~3 KB) and the producers record: nothing reads them at run time.
    for &(id, payload, section_end, section_start) in sections.iter().filter(|s| s.3 >= end) {
        if id == 0 && ["component-name", "producers"].contains(&custom_section_name(&component[payload..section_end])) {
            continue;
        }
        out.extend_from_slice(&component[section_start..section_end]);
    }
    Ok(out)
}

/// The name a custom section's payload starts with.
fn custom_section_name(payload: &[u8]) -> &str {
    read_leb(payload, 0)
        .ok()
        .and_then(|(len, at)| payload.get(at..at + len as usize))
        .and_then(|name| std::str::from_utf8(name).ok())
        .unwrap_or("")
}

/// (id, payload start, payload end, section start) of each top-level section.
fn sections(bytes: &[u8]) -> Result<Vec<(u8, usize, usize, usize)>, String> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err("not a wasm binary".into());
    }
    let mut pos = 8;
    let mut out = Vec::new();
    while pos < bytes.len() {
        let section_start = pos;
        let id = bytes[pos];
        let (len, after) = read_leb(bytes, pos + 1)?;
        let end = after.checked_add(len as usize).filter(|&e| e <= bytes.len()).ok_or("section runs past the end")?;
        out.push((id, after, end, section_start));
        pos = end;
    }
    Ok(out)
}

fn read_leb(bytes: &[u8], mut pos: usize) -> Result<(u64, usize), String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(pos).ok_or("truncated LEB128")?;
        pos += 1;
        value |= ((byte & 0x7f) as u64) << shift;
        if byte < 0x80 {
            return Ok((value, pos));
        }
    }
    Err("LEB128 too long".into())
}

fn write_leb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
