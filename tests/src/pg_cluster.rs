//! A PostgreSQL cluster of a test's own (initdb + pg_ctl as the `postgres` user), so a test
//! can stop and start the database under a running collector without touching the shared
//! server every other test uses.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use koe_collector::storage::PgStorage;

use crate::{TestApp, TestDatabase};

/// A collector on a new private cluster, giving up on the database after 2 s; `None` (saying
/// why) where a cluster cannot be made.
pub async fn collector_on_private_cluster() -> Option<(Cluster, TestApp<PgStorage>)> {
    let Some(cluster) = Cluster::create() else {
        eprintln!("skipped: needs root, the postgres user and PostgreSQL's initdb");
        return None;
    };
    let app = TestApp::spawn_in(TestDatabase::existing(cluster.url()), |s| {
        s.database_timeout_secs = 2;
    })
    .await;
    Some((cluster, app))
}

/// A private cluster on a free port; stopped (and its files removed) when dropped.
#[derive(Debug)]
pub struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

impl Cluster {
    /// Creates and starts a cluster, or `None` (say why in the test) when that cannot be done
    /// here: it needs root (to act as `postgres`) and PostgreSQL's server binaries.
    pub fn create() -> Option<Self> {
        let bin = newest_server_binaries()?;
        let is_root = Command::new("id").arg("-u").output().ok()?.stdout == b"0\n";
        if !is_root {
            return None;
        }
        let (dir, port) = home()?;
        let cluster = Self { bin, dir, port };
        let initdb = format!(
            "{} -D {} -A trust -U postgres >/dev/null",
            cluster.bin.join("initdb").display(),
            cluster.data().display()
        );
        (as_postgres(&initdb) && cluster.start()).then_some(cluster)
    }

    /// A streaming replica of `primary` (`pg_basebackup -R`: a hot standby following it), started
    /// on a port of its own; `None` where that cannot be done here.
    pub fn replica_of(primary: &Cluster) -> Option<Self> {
        let (dir, port) = home()?;
        let replica = Self {
            bin: primary.bin.clone(),
            dir,
            port,
        };
        let backup = format!(
            "{} -h 127.0.0.1 -p {} -U postgres -D {} -R -X stream >/dev/null",
            replica.bin.join("pg_basebackup").display(),
            primary.port,
            replica.data().display()
        );
        (as_postgres(&backup) && replica.start()).then_some(replica)
    }

    /// Starts the server and waits until it takes connections.
    pub fn start(&self) -> bool {
        self.pg_ctl("start")
    }

    /// Stops the server (fast: open connections are cut, as in a crash of the database host).
    pub fn stop(&self) -> bool {
        self.pg_ctl("stop")
    }

    /// An admin URL for the cluster's `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn pg_ctl(&self, action: &str) -> bool {
        as_postgres(&format!(
            "{} -D {} -o '-p {} -k {} -c listen_addresses=127.0.0.1' -l {} -w {action} -m fast >/dev/null",
            self.bin.join("pg_ctl").display(),
            self.data().display(),
            self.port,
            self.dir.path().display(),
            self.dir.path().join("log").display()
        ))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A folder the `postgres` user owns for a cluster's files, and a free port for it.
fn home() -> Option<(tempfile::TempDir, u16)> {
    let dir = tempfile::tempdir().ok()?;
    Command::new("chown")
        .arg("postgres")
        .arg(dir.path())
        .status()
        .ok()?;
    let port = TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    Some((dir, port))
}

/// The newest PostgreSQL server binaries installed, if any.
fn newest_server_binaries() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn as_postgres(command: &str) -> bool {
    Command::new("su")
        .args(["postgres", "-s", "/bin/sh", "-c", command])
        .status()
        .is_ok_and(|s| s.success())
}
