//! `cargo xtask bench`: Koe's performance, measured side by side in one run on this machine,
//! written as Markdown (BENCHMARKS.md). A measurement, never a test: nothing here asserts a
//! time, but every 2xx the load generator counted is checked to be in the database.
//!
//! `koe-bench [--seconds N] [--sizes 1000000,10000000] [--postgres URL] [--widget FILE]
//! [--only ingest|reports|storage|import|fleet|facts] [--connections 1,16,256] [--sqlite-only]`
//! (`--connections`, `--sqlite-only`: fewer ingest rows, e.g. while profiling — `--sqlite-only`
//! skips PostgreSQL everywhere in the ingest part and `storage`; `--only`: one part, e.g. while working on it;
//! `storage`: SQLite's own write rates and the storage layer alone, printed; `import`: a million
//! answers through `koe import`)
//! (`KOE_BENCH_LOG=FILE` appends the collectors' logs to FILE instead of dropping them.)
//! `koe-bench ceiling PORT` (the bare endpoint, started by the bench itself)
#![forbid(unsafe_code)]

mod alone;
mod bulk_load;
mod ceiling;
mod facts;
mod fleet;
mod flood;
mod import;
mod ingest;
mod load;
mod process;
mod readyz;
mod reports;
mod sqlite_floor;
mod summary;
mod target;

use std::time::Duration;

use crate::alone::Alone;
use crate::ingest::{CONNECTIONS, Run, Traffic};
use crate::process::Server;
use crate::summary::Summary;
use crate::target::Target;

#[derive(Debug)]
struct Options {
    seconds: u64,
    sizes: Vec<u64>,
    postgres: String,
    widget: Option<String>,
    /// Run only this part: `ingest` (with the floor, flood and start time), `reports` or
    /// `storage` (the floor alone).
    only: Option<String>,
    /// The connection counts of the ingest rows (`--connections 1,256`; all by default).
    connections: Vec<usize>,
    /// Skip PostgreSQL's ingest rows (`--sqlite-only`), e.g. while profiling SQLite's.
    sqlite_only: bool,
}

fn options(args: &[String]) -> anyhow::Result<Options> {
    let mut options = Options {
        seconds: 8,
        sizes: vec![1_000_000, 10_000_000],
        postgres: std::env::var("KOE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
        widget: None,
        only: None,
        connections: CONNECTIONS.to_vec(),
        sqlite_only: false,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--seconds" => options.seconds = value()?.parse()?,
            "--sizes" => {
                options.sizes = value()?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?;
            }
            "--postgres" => options.postgres = value()?,
            "--widget" => options.widget = Some(value()?),
            "--connections" => {
                options.connections = value()?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?;
            }
            "--sqlite-only" => options.sqlite_only = true,
            "--only" => match value()?.as_str() {
                part @ ("ingest" | "reports" | "storage" | "import" | "fleet" | "facts") => {
                    options.only = Some(part.to_owned())
                }
                other => {
                    anyhow::bail!(
                        "--only takes ingest, reports, storage, import, fleet or facts, not {other}"
                    )
                }
            },
            other => anyhow::bail!("unknown option {other}"),
        }
    }
    Ok(options)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("ceiling") {
        let port = args.get(1).and_then(|p| p.parse().ok());
        return ceiling::serve(port.ok_or_else(|| anyhow::anyhow!("ceiling PORT"))?);
    }
    let options = options(&args)?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(bench(options))
}

async fn bench(options: Options) -> anyhow::Result<()> {
    let koe = process::koe_binary()?;
    let dir = tempfile::tempdir()?;
    // KOE_BENCH_KEEP=1 keeps the databases (their folder is printed) for a closer look.
    let dir_path: std::path::PathBuf = match std::env::var_os("KOE_BENCH_KEEP") {
        Some(_) => {
            let kept = dir.keep();
            eprintln!("databases kept in {}", kept.display());
            kept
        }
        None => dir.path().to_path_buf(),
    };
    let mut summary = Summary::new(options.seconds);
    if options.only.as_deref() == Some("storage") {
        let postgres = (!options.sqlite_only).then_some(options.postgres.as_str());
        let floor = sqlite_floor::measure(&dir_path, postgres).await?;
        eprintln!("{floor:#?}");
        summary.alone = alone::measure(&dir_path, postgres).await?;
        let mut md = String::new();
        summary.alone_table(&mut md);
        print!("{md}");
        return Ok(());
    }
    let only = options.only.as_deref();
    if only.is_none() || only == Some("ingest") {
        ingest_section(&koe, &dir_path, &options, &mut summary).await?;
    }
    if only.is_none() || only == Some("reports") {
        reports_section(&koe, &dir_path, &options, &mut summary).await?;
    }
    if only.is_none() || only == Some("facts") {
        facts_section(&koe, &dir_path, &options, &mut summary).await?;
    }
    if only.is_none() || only == Some("fleet") {
        eprintln!("fleet: one collector against two on PostgreSQL, 256 connections");
        summary.fleet = fleet::measure(&koe, &options.postgres, options.seconds).await?;
    }
    if only.is_none() || only == Some("import") {
        eprintln!("import: 1 000 000 answers of Koe's CSV into SQLite");
        summary.import = Some(import::measure(&dir_path, 1_000_000).await?);
        eprintln!("{:#?}", summary.import);
    }
    if let Some(widget) = &options.widget {
        summary.widget = Some(std::fs::read_to_string(widget)?);
    }
    print!("{}", summary.markdown());
    Ok(())
}

/// The ceiling, ingest and edits on both backends, SQLite's floor, the flood, start time.
async fn ingest_section(
    koe: &std::path::Path,
    dir_path: &std::path::Path,
    options: &Options,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    eprintln!("ceiling: the bare endpoint");
    let ceiling = Server::ceiling().await?;
    let site = "bench-ceiling";
    for &connections in &options.connections {
        let run = ingest::measure(
            ceiling.port,
            site,
            Traffic::Single,
            connections,
            options.seconds,
            &format!("ceiling-{connections}"),
        )
        .await;
        eprintln!(
            "  {connections} connections: {:.0}/s",
            run.outcome.per_second()
        );
        summary.ceiling.push(run);
    }
    ceiling.stop()?;

    let alone = Alone::open(
        dir_path,
        (!options.sqlite_only).then_some(options.postgres.as_str()),
    )
    .await?;
    let sqlite = Target::sqlite(dir_path, "ingest.db").await?;
    ingest_on(koe, &sqlite, &alone, options, summary).await?;
    let postgres = match options.sqlite_only {
        true => None,
        false => Target::postgres(&options.postgres).await?,
    };
    match postgres {
        Some(postgres) => {
            ingest_on(koe, &postgres, &alone, options, summary).await?;
            postgres.drop_database().await?;
        }
        None if options.sqlite_only => {}
        None => summary.notes.push(format!(
            "No PostgreSQL answered at {}: its rows are missing.",
            options.postgres
        )),
    }

    eprintln!("SQLite's own write rate with the collector's durability settings");
    let postgres = (!options.sqlite_only).then_some(options.postgres.as_str());
    summary.floor = Some(sqlite_floor::measure(dir_path, postgres).await?);
    alone.close().await?;

    eprintln!("a flood from one address against the default limits");
    let limited = Server::collector_with_limits(koe, &sqlite.url).await?;
    summary.flood =
        Some(flood::measure(limited.port, sqlite.site.key.as_str(), options.seconds).await);
    limited.stop()?;

    eprintln!("start to ready on an existing database");
    for _ in 0..5 {
        let server = Server::collector(koe, &sqlite.url).await?;
        summary.start_to_ready.push(server.start_to_ready);
        server.stop()?;
    }
    Ok(())
}

/// Reports at each size on each backend, bulk-loading the responses between sizes.
async fn reports_section(
    koe: &std::path::Path,
    dir_path: &std::path::Path,
    options: &Options,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let mut targets = vec![Target::sqlite(dir_path, "reports.db").await?];
    match options.sqlite_only {
        true => {}
        false => match Target::postgres(&options.postgres).await? {
            Some(postgres) => targets.push(postgres),
            None => summary.notes.push(format!(
                "No PostgreSQL answered at {}: its report rows are missing.",
                options.postgres
            )),
        },
    }
    for target in targets {
        let sizes = report_sizes(koe, &target, options).await;
        target.drop_database().await?;
        summary.reports.extend(sizes?);
    }
    Ok(())
}

/// One backend's report rows, size after size.
async fn report_sizes(
    koe: &std::path::Path,
    target: &Target,
    options: &Options,
) -> anyhow::Result<Vec<summary::ReportSize>> {
    let today = target
        .site
        .timezone
        .local_day(koe_collector::clock::now_ms());
    let mut loaded = 0;
    let mut sizes = Vec::new();
    for (i, &size) in options.sizes.iter().enumerate() {
        eprintln!(
            "reports ({}): bulk-loading to {size} responses",
            target.name
        );
        let started = std::time::Instant::now();
        bulk_load::load(target, &today, loaded, size).await?;
        let load_time = started.elapsed();
        loaded = size;
        let drift = match i {
            0 => Some(reports::drift(target).await?),
            _ => None,
        };
        let server = Server::collector(koe, &target.url).await?;
        let timings = async {
            let mut timings = reports::time_reports(server.port, target, &today).await?;
            timings.extend(reports::time_dashboard(server.port, target, &today).await?);
            anyhow::Ok(timings)
        }
        .await;
        server.stop()?;
        let timings = timings?;
        for t in &timings {
            eprintln!(
                "  {size}: {} p50 {:.1} ms p99 {:.1} ms",
                t.name,
                ms(t.p50),
                ms(t.p99)
            );
        }
        sizes.push(summary::ReportSize {
            backend: target.name,
            responses: size,
            load_time,
            drift,
            timings,
        });
    }
    Ok(sizes)
}

/// Interaction facts: their ingest on both backends, then the service reports at each size.
async fn facts_section(
    koe: &std::path::Path,
    dir_path: &std::path::Path,
    options: &Options,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let sqlite = Target::sqlite(dir_path, "facts.db").await?;
    let mut targets = vec![sqlite];
    match Target::postgres(&options.postgres).await? {
        Some(postgres) => targets.push(postgres),
        None => summary.notes.push(format!(
            "No PostgreSQL answered at {}: its facts rows are missing.",
            options.postgres
        )),
    }
    for target in targets {
        eprintln!("facts ingest: {}", target.name);
        let server = Server::collector(koe, &target.url).await?;
        let ingest = facts::ingest(server.port, &target, options.seconds).await;
        server.stop()?;
        summary.facts_ingest.push(ingest?);
        target.drop_database().await?;
    }
    summary.facts_reports = facts::reports(koe, dir_path, &options.sizes).await?;
    Ok(())
}

/// Ingest and edits at every connection count against one backend, with the collector's
/// memory read before and after, and every acknowledged response looked up afterwards.
async fn ingest_on(
    koe: &std::path::Path,
    target: &Target,
    alone: &Alone,
    options: &Options,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    eprintln!("ingest: {}", target.name);
    let server = Server::collector(koe, &target.url).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (idle, _) = server.memory()?;
    let mut acknowledged = Vec::new();
    let mut runs: Vec<Run> = Vec::new();
    for traffic in [Traffic::Single, Traffic::Edits] {
        for &connections in &options.connections {
            let label = format!(
                "{}-{}-{connections}",
                target.name.to_lowercase(),
                match traffic {
                    Traffic::Single => "new",
                    Traffic::Edits => "edit",
                }
            );
            let run = ingest::measure(
                server.port,
                target.site.key.as_str(),
                traffic,
                connections,
                options.seconds,
                &label,
            )
            .await;
            eprintln!(
                "  {} at {connections}: {:.0}/s p99 {:.1} ms ({} not 2xx)",
                traffic.label(),
                run.outcome.per_second(),
                ms(run.outcome.percentile(0.99)),
                run.outcome.failed + run.outcome.limited + run.outcome.unanswered
            );
            acknowledged.extend(
                run.outcome
                    .acknowledged
                    .iter()
                    .map(|&n| ingest::interaction(&label, n)),
            );
            if traffic == Traffic::Single {
                // The bound of this row, measured now: the same minute of this shared machine.
                let bounds = alone
                    .beside(target.name, connections as u64, run.per_commit)
                    .await?;
                summary.alone.extend(bounds);
            }
            runs.push(run);
        }
    }
    if target.name == "SQLite" {
        let (run, probes) =
            readyz::ingest_beside_probes(server.port, target.site.key.as_str(), options.seconds)
                .await;
        eprintln!(
            "  new responses at 256 with {:.0} /readyz per second beside: {:.0}/s",
            probes.per_second(),
            run.outcome.per_second()
        );
        acknowledged.extend(
            run.outcome
                .acknowledged
                .iter()
                .map(|&n| ingest::interaction("readyz-beside", n)),
        );
        summary.readyz_beside = Some((run, probes));
    }
    let (_, peak) = server.memory()?;
    server.stop()?;
    let (stored, missing) = target.stored(&acknowledged).await?;
    summary.ingest.push(summary::Ingest {
        backend: target.name,
        runs,
        acknowledged: acknowledged.len() as u64,
        stored,
        missing: missing.len() as u64,
        rss_idle: idle,
        rss_peak: peak,
    });
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
