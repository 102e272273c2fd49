//! Runs a wasm32-wasip2 command (such as a `cargo test` binary) under wasmtime, with the
//! process's arguments, environment-free, stdio inherited and the current directory readable.
//! Exits with the guest's exit code.

use std::process::ExitCode;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxView, WasiView};

struct State {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("wasi-runner: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> wasmtime::Result<u8> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let wasm = args.first().ok_or_else(|| wasmtime::Error::msg("usage: wasi-runner FILE.wasm [ARGS...]"))?;
    let engine = Engine::new(Config::new().wasm_component_model(true))?;
    let component = Component::from_file(&engine, wasm)?;
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    let wasi = WasiCtx::builder().inherit_stdio().args(&args).preopened_dir(".", ".", FsPerms::ReadOnly)?.build();
    let mut store = Store::new(&engine, State { wasi, table: ResourceTable::new() });
    let command = Command::instantiate(&mut store, &component, &linker)?;
    match command.wasi_cli_run().call_run(&mut store) {
        Ok(Ok(())) => Ok(0),
        Ok(Err(())) => Ok(1),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Ok(exit.0.clamp(0, 255) as u8),
            None => Err(e),
        },
    }
}
