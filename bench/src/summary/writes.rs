//! The write side's tables: ingest over HTTP, each database alone, the footprint, a fleet on
//! one PostgreSQL and a flood from one address.

use std::fmt::Write as _;

use super::{MIB, Summary, ms, verdict};
use crate::flood::{FLOOD_CONNECTIONS, QUIET_PAUSE};
use crate::ingest::Traffic;

impl Summary {
    pub(super) fn ingest_tables(&self, md: &mut String) {
        let _ = writeln!(
            md,
            "## Ingest over HTTP\n\nEach row: {} s of keep-alive connections on loopback, each sending its next \
             request as soon as the previous answer arrived; distinct interactions. \
             *vs ceiling*: responses/s as a share of the bare endpoint at the same connection count. \
             *Per commit*: the writes each of the collector's commits carried in that row, on \
             average (`koe_write_batch_size` at `/metrics`): N connections that each wait for \
             their answer before sending again fill fewer than N per commit. *vs alone at that \
             batch*: against the database alone committing that many answers at once (from \
             as many connections as the collector has writers).\n",
            self.seconds
        );
        md.push_str(
            "| server | traffic | connections | requests/s | p50 ms | p99 ms | max ms | not 2xx | vs ceiling | vs alone | per commit | vs alone at that batch |\n\
             |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        let all = self.ceiling.iter().map(|r| ("bare endpoint", r)).chain(
            self.ingest
                .iter()
                .flat_map(|i| i.runs.iter().map(move |r| (i.backend, r))),
        );
        for (server, run) in all {
            let o = &run.outcome;
            let ratio = 100.0 * o.per_second() / self.ceiling_at(run.connections).max(1.0);
            let alone = match run.traffic {
                Traffic::Single => self.alone_at(server, run.connections as u64),
                Traffic::Edits => None,
            }
            .map_or("".to_owned(), |bound| {
                format!("{:.0} %", 100.0 * o.per_second() / bound.max(1.0))
            });
            let per_commit = run
                .per_commit
                .map_or(String::new(), |writes| format!("{writes:.1}"));
            let at_batch = run
                .per_commit
                .filter(|_| run.traffic == Traffic::Single)
                .and_then(|writes| self.alone_formed(server, writes))
                .map_or(String::new(), |bound| {
                    format!("{:.0} %", 100.0 * o.per_second() / bound.max(1.0))
                });
            let _ = writeln!(
                md,
                "| {server} | {} | {} | {:.0} | {} | {} | {} | {} | {ratio:.1} % | {alone} | {per_commit} | {at_batch} |",
                run.traffic.label(),
                run.connections,
                o.per_second(),
                ms(o.percentile(0.5)),
                ms(o.percentile(0.99)),
                ms(o.max()),
                o.failed + o.limited + o.unanswered,
            );
        }
        md.push('\n');
        for ingest in &self.ingest {
            let _ = writeln!(
                md,
                "- {}: {} interactions acknowledged (every submission 2xx), {} responses stored, \
                 {} acknowledged ones missing.",
                ingest.backend, ingest.acknowledged, ingest.stored, ingest.missing
            );
        }
        if let Some(floor) = &self.floor {
            let _ = writeln!(
                md,
                "- SQLite alone on this disk, WAL + `synchronous=FULL`, no Koe code: {:.0} commits/s \
                 with one row each (one fsync per commit); {:.0} rows/s with 256 rows per commit \
                 (one multi-row insert, two multi-row upserts into daily and weekly sums). The \
                 collector's storage layer alone (group commit, 256 concurrent writers, no HTTP): \
                 {:.0} responses/s on SQLite, {} on PostgreSQL.",
                floor.commits_per_second,
                floor.batched_rows_per_second,
                floor.storage_layer_per_second,
                floor
                    .postgres_storage_layer_per_second
                    .map_or("not measured".to_owned(), |r| format!("{r:.0} responses/s")),
            );
        }
        md.push('\n');
        self.alone_table(md);
    }

    /// Each database alone writing Koe's rows, the bound of the *vs alone* column.
    pub fn alone_table(&self, md: &mut String) {
        if self.alone.is_empty() {
            return;
        }
        md.push_str(
            "### Each database alone, writing Koe's rows\n\n\
             No HTTP and no Koe code: each commit inserts its answers into Koe's schema (claiming \
             their keys first on PostgreSQL, as the collector does) — the HTTP rows' answers — \
             adds them to `rollups` and the four summary tables with one multi-row upsert each \
             and opens a follow-up for each unhappy one, with the collector's durability. It does \
             not read before writing, as the collector must to merge an answer. \
             *Answers per commit* is how many answers the bench's connections keep waiting at once \
             (1, 16, 256), then the batches the collector's commits actually carried in the HTTP \
             rows (*per commit* above); from more than one connection each commits its share, \
             as the collector's PostgreSQL writers do. The HTTP rows' *vs alone* is against the \
             best row here for the same backend and the nominal batch.\n\n\
             | database | durability | answers per commit | connections | responses/s | commit p50 ms |\n\
             |---|---|---:|---:|---:|---:|\n",
        );
        for bound in &self.alone {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {:.0} | {} |",
                bound.backend,
                bound.durability,
                bound.batch,
                bound.connections,
                bound.per_second,
                ms(bound.commit_p50),
            );
        }
        md.push('\n');
    }

    pub(super) fn footprint(&self, md: &mut String) {
        md.push_str("## Footprint\n\n| collector on | RSS idle | RSS peak (during ingest) |\n|---|---:|---:|\n");
        for i in &self.ingest {
            let _ = writeln!(
                md,
                "| {} | {:.1} MiB | {:.1} MiB |",
                i.backend,
                i.rss_idle as f64 / MIB,
                i.rss_peak as f64 / MIB
            );
        }
        let mut times = self.start_to_ready.clone();
        times.sort_unstable();
        let list: Vec<String> = times.iter().map(|d| ms(*d)).collect();
        let _ = writeln!(
            md,
            "\nStart to `/readyz` 200 on the SQLite file the ingest runs filled (process spawn \
             included), ms: {}.\n",
            list.join(", ")
        );
    }

    pub(super) fn fleet_table(&self, md: &mut String) {
        let Some(rows) = &self.fleet else {
            return;
        };
        md.push_str(
            "## A fleet on one PostgreSQL\n\nNew answers over HTTP, 256 connections split evenly \
             between the collectors (a load balancer's job), one PostgreSQL, this 2-core machine \
             (collectors, PostgreSQL and the load generator share its cores).\n\n\
             | collectors | answers/s | vs one | p99 ms | not 2xx |\n|---:|---:|---:|---:|---:|\n",
        );
        let one = rows.first().map_or(1.0, |r| r.per_second.max(1.0));
        for row in rows {
            let _ = writeln!(
                md,
                "| {} | {:.0} | ×{:.2} | {:.1} | {} |",
                row.collectors,
                row.per_second,
                row.per_second / one,
                row.p99_ms,
                row.not_ok
            );
        }
        md.push('\n');
    }

    pub(super) fn flood(&self, md: &mut String) {
        let Some(flood) = &self.flood else { return };
        let ratio = flood.during.percentile(0.99).as_secs_f64()
            / flood.alone.percentile(0.99).as_secs_f64().max(1e-9);
        let _ = writeln!(
            md,
            "## A flood from one address (default limits: 600/min, burst 120 per IP)\n\n\
             {FLOOD_CONNECTIONS} connections from 127.0.0.1 as fast as they can, {} s, while a quiet \
             client on 127.0.0.2 sends one submission every {} ms (under its own limit).\n\n\
             | | requests | 2xx | 429 | other | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|---:|",
            self.seconds,
            QUIET_PAUSE.as_millis()
        );
        for (name, o) in [
            ("quiet client alone", &flood.alone),
            ("quiet client during the flood", &flood.during),
            ("flooder", &flood.flooder),
        ] {
            let _ = writeln!(
                md,
                "| {name} | {} | {} | {} | {} | {} | {} |",
                o.latencies.len(),
                o.ok,
                o.limited,
                o.failed + o.unanswered,
                ms(o.percentile(0.5)),
                ms(o.percentile(0.99))
            );
        }
        let _ = writeln!(
            md,
            "
The quiet client's p99 during the flood is {ratio:.2}× its p99 alone (target ≤ 2×: {}).
",
            verdict(ratio <= 2.0)
        );
    }
}
