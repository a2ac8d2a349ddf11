//! A collector (or the ceiling server) running as its own process, so its memory and start
//! time can be read from outside and the load generator does not share its runtime.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::load::{Request, send};

/// A free loopback port (bound, read, released).
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

#[derive(Debug)]
pub struct Server {
    child: Child,
    pub port: u16,
    /// From spawn to the first `200` on the readiness path.
    pub start_to_ready: Duration,
}

impl Server {
    /// `koe serve` on `database_url` with rate limits off (the bench measures throughput).
    pub async fn collector(koe: &Path, database_url: &str) -> anyhow::Result<Self> {
        Self::koe_serve(koe, database_url, false).await
    }

    /// `koe serve` with the default limits, for the flood measurement.
    pub async fn collector_with_limits(koe: &Path, database_url: &str) -> anyhow::Result<Self> {
        Self::koe_serve(koe, database_url, true).await
    }

    async fn koe_serve(koe: &Path, database_url: &str, limits: bool) -> anyhow::Result<Self> {
        let port = free_port()?;
        let mut command = Command::new(koe);
        command
            .args(["serve", "--database", database_url, "--bind"])
            .arg(format!("127.0.0.1:{port}"))
            .env("KOE_RATE_LIMIT_ENABLED", limits.to_string())
            .env("KOE_CONFIG", "/nonexistent/koe.toml");
        Self::start(command, port, "/readyz").await
    }

    /// This benchmark binary again, as the bare endpoint (`koe-bench ceiling PORT`).
    pub async fn ceiling() -> anyhow::Result<Self> {
        let port = free_port()?;
        let mut command = Command::new(std::env::current_exe()?);
        command.args(["ceiling", &port.to_string()]);
        Self::start(command, port, "/ready").await
    }

    async fn start(mut command: Command, port: u16, ready_path: &str) -> anyhow::Result<Self> {
        let started = Instant::now();
        // One log line per request: written (the cost is part of the figure), not kept —
        // unless `KOE_BENCH_LOG` names a file to append it to (with `RUST_LOG`, e.g. to read
        // the writer's batch sizes while profiling).
        let log = || -> std::io::Result<Stdio> {
            match std::env::var_os("KOE_BENCH_LOG") {
                Some(path) => Ok(std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?
                    .into()),
                None => Ok(Stdio::null()),
            }
        };
        let child = command
            .stdin(Stdio::null())
            .stdout(log()?)
            .stderr(log()?)
            .spawn()?;
        let mut server = Self {
            child,
            port,
            start_to_ready: Duration::ZERO,
        };
        loop {
            if let Ok(answer) = send(port, &Request::get(ready_path), "").await
                && answer.status == 200
            {
                server.start_to_ready = started.elapsed();
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                anyhow::bail!("the server exited before it was ready ({status})");
            }
            if started.elapsed() > Duration::from_secs(30) {
                anyhow::bail!("the server was not ready after 30 s");
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// Resident memory now and at its peak, in bytes (`VmRSS`, `VmHWM` of /proc).
    pub fn memory(&self) -> anyhow::Result<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let field = |name: &str| -> anyhow::Result<u64> {
            let line = status
                .lines()
                .find(|l| l.starts_with(name))
                .ok_or_else(|| anyhow::anyhow!("{name} missing in /proc status"))?;
            let kib: u64 = line
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| anyhow::anyhow!("{name} unreadable"))?;
            Ok(kib * 1024)
        };
        Ok((field("VmRSS:")?, field("VmHWM:")?))
    }

    /// SIGTERM, then waits for a clean exit (the collector finishes in-flight requests).
    pub fn stop(mut self) -> anyhow::Result<()> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        anyhow::ensure!(status.success(), "kill -TERM failed");
        let exit = self.child.wait()?;
        anyhow::ensure!(exit.success(), "the server exited with {exit}");
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Only reached when `stop` was not: never leave a server behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `koe` binary next to this one (both built by `cargo xtask bench`).
pub fn koe_binary() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe()?;
    let koe = me.with_file_name("koe");
    anyhow::ensure!(
        koe.exists(),
        "{} is missing: build it with `cargo build --release -p koe-collector`",
        koe.display()
    );
    Ok(koe)
}
