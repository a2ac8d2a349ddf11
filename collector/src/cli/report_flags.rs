//! Which report `koe report` prints, and the flags each one cannot take — checked before the
//! database is opened. `--standings` ranks each agent once over the whole range, so `--by`,
//! `--bucket` and `--compare` have nothing to act on there; `--service` reads a trend from its
//! buckets, not from a compared period; `--drivers` sets each band against the rest of the whole
//! range, filtered by team and channel only. A flag that cannot apply is refused with the reason,
//! never ignored: nobody should read a table believing it was grouped, bucketed, filtered or
//! compared when it was not.

/// The report `koe report` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReportKind {
    /// Score rows (the default).
    Scores,
    Standings,
    Service,
    Drivers,
    Followups,
    Question,
}

/// The flags of `koe report` that choose a report or shape its rows, as given (`None`: not
/// given).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ReportFlags<'a> {
    pub standings: bool,
    pub service: bool,
    pub drivers: bool,
    pub followups: bool,
    pub question: bool,
    pub by: Option<&'a str>,
    pub bucket: Option<&'a str>,
    pub compare: Option<&'a str>,
    pub agent: Option<&'a str>,
    pub topic: Option<&'a str>,
    pub format: &'a str,
}

impl ReportFlags<'_> {
    /// The report these flags ask for, or why they cannot go together (naming the flags and
    /// what to run instead).
    pub(super) fn kind(&self) -> anyhow::Result<ReportKind> {
        let chosen: Vec<&str> = [
            ("--standings", self.standings),
            ("--service", self.service),
            ("--drivers", self.drivers),
            ("--followups", self.followups),
            ("--question", self.question),
        ]
        .into_iter()
        .filter(|(_, given)| *given)
        .map(|(flag, _)| flag)
        .collect();
        if chosen.len() > 1 {
            anyhow::bail!(
                "{} each print a report of their own: give one of them (run `koe report` once \
                 for each)",
                chosen.join(" and ")
            );
        }
        if self.service {
            if self.compare.is_some() {
                anyhow::bail!(
                    "--service reads the trend from its buckets, so --compare cannot apply to \
                     it: leave --compare out and use --bucket week (or month) to see the KPIs \
                     move"
                );
            }
            return Ok(ReportKind::Service);
        }
        if self.followups {
            let given = given(&[("--compare", self.compare), ("--topic", self.topic)]);
            if !given.is_empty() {
                anyhow::bail!(
                    "--followups counts the range's follow-ups by --by and --bucket, so {} \
                     cannot apply to it: leave {} out (`koe report --followups --bucket week` \
                     shows the trend)",
                    given.join(" and "),
                    if given.len() == 1 { "it" } else { "them" }
                );
            }
            return Ok(ReportKind::Followups);
        }
        if self.question {
            let given = given(&[("--compare", self.compare), ("--topic", self.topic)]);
            if !given.is_empty() {
                anyhow::bail!(
                    "--question counts the answers in each bucket of the range, so {} cannot \
                     apply to it: leave {} out (`koe report --question --bucket week` shows \
                     the trend)",
                    given.join(" and "),
                    if given.len() == 1 { "it" } else { "them" }
                );
            }
            return Ok(ReportKind::Question);
        }
        if self.drivers {
            let given = given(&[
                ("--by", self.by),
                ("--bucket", self.bucket),
                ("--compare", self.compare),
                ("--agent", self.agent),
                ("--topic", self.topic),
            ]);
            if !given.is_empty() {
                anyhow::bail!(
                    "--drivers sets each band against the rest of the whole range's answers, \
                     filtered only by --team and --channel, so {} cannot apply to it: leave {} \
                     out, or use --service for the KPIs by agent, topic and time (`koe report \
                     --service --by agent,topic --bucket week`)",
                    given.join(" and "),
                    if given.len() == 1 { "it" } else { "them" }
                );
            }
            if self.format == "csv" {
                anyhow::bail!(
                    "--drivers prints a table or JSON: use --format table or --format json (CSV \
                     is for the score rows, the standings and --service)"
                );
            }
            return Ok(ReportKind::Drivers);
        }
        if self.topic.is_some() {
            anyhow::bail!(
                "--topic filters the service KPIs, which the interaction facts give: add \
                 --service (the score rows have no topic)"
            );
        }
        refuse_score_flags_with_standings(self.standings, self.by, self.bucket, self.compare)?;
        Ok(match self.standings {
            true => ReportKind::Standings,
            false => ReportKind::Scores,
        })
    }
}

/// The names of the flags given, in order.
fn given<'f>(flags: &[(&'f str, Option<&str>)]) -> Vec<&'f str> {
    flags
        .iter()
        .filter(|(_, value)| value.is_some())
        .map(|(flag, _)| *flag)
        .collect()
}

/// Refuses `--by`, `--bucket` and `--compare` (given at all, even empty) beside `--standings`,
/// naming those given and what to run instead.
fn refuse_score_flags_with_standings(
    standings: bool,
    by: Option<&str>,
    bucket: Option<&str>,
    compare: Option<&str>,
) -> anyhow::Result<()> {
    if !standings {
        return Ok(());
    }
    let given = given(&[("--by", by), ("--bucket", bucket), ("--compare", compare)]);
    if given.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "--standings ranks each agent once over the whole range, so {} cannot apply to it: \
         leave {} out, or leave out --standings for score rows (`koe report --by agent \
         --bucket all --compare previous` gives each agent's CSAT change)",
        given.join(" and "),
        if given.len() == 1 { "it" } else { "them" }
    )
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::cli::args::{Cli, Command};

    /// `koe report --site site_abc` and `args`, as clap reads them, through the check.
    fn checked(args: &[&str]) -> anyhow::Result<ReportKind> {
        let line = [&["koe", "report", "--site", "site_abc"][..], args].concat();
        let cli = Cli::try_parse_from(line).expect("clap takes the flags");
        let Command::Report {
            standings,
            service,
            drivers,
            followups,
            question,
            by,
            bucket,
            compare,
            agent,
            topic,
            format,
            ..
        } = cli.command
        else {
            panic!("not a report: {args:?}");
        };
        ReportFlags {
            standings,
            service,
            drivers,
            followups,
            question: question.is_some(),
            by: by.as_deref(),
            bucket: bucket.as_deref(),
            compare: compare.as_deref(),
            agent: agent.as_deref(),
            topic: topic.as_deref(),
            format: &format,
        }
        .kind()
    }

    #[test]
    fn standings_refuse_the_flags_that_shape_score_rows_with_a_reason() {
        let cases: [(&[&str], &str); 3] = [
            (&["--standings", "--compare", "previous"], "--compare"),
            (&["--standings", "--by", "agent"], "--by"),
            (&["--standings", "--bucket", "week"], "--bucket"),
        ];
        for (args, named) in cases {
            let error = checked(args).unwrap_err().to_string();
            assert!(
                error.contains(named) && error.contains("--standings ranks each agent once"),
                "{args:?}: {error}"
            );
        }
        let both = checked(&["--standings", "--by", "team", "--compare", "previous"])
            .unwrap_err()
            .to_string();
        assert!(both.contains("--by and --compare cannot apply"), "{both}");
    }

    #[test]
    fn standings_alone_and_score_rows_with_those_flags_pass() {
        let cases: [(&[&str], ReportKind); 4] = [
            (&["--standings", "--format", "csv"], ReportKind::Standings),
            (
                &["--standings", "--team", "tokyo", "--from", "2026-11-01"],
                ReportKind::Standings,
            ),
            (
                &["--by", "agent", "--bucket", "all", "--compare", "previous"],
                ReportKind::Scores,
            ),
            (&[], ReportKind::Scores),
        ];
        for (args, kind) in cases {
            assert_eq!(checked(args).unwrap(), kind, "{args:?}");
        }
    }

    #[test]
    fn service_and_drivers_refuse_what_cannot_apply_to_them_with_a_reason() {
        let cases: [(&[&str], &[&str]); 10] = [
            (
                &["--service", "--standings"],
                &["--standings and --service each print a report of their own"],
            ),
            (
                &["--service", "--drivers"],
                &["--service and --drivers each print"],
            ),
            (
                &["--drivers", "--standings", "--by", "agent"],
                &["--standings and --drivers each print"],
            ),
            (
                &["--service", "--compare", "previous"],
                &["--compare cannot apply", "--bucket week"],
            ),
            (
                &["--drivers", "--compare", "previous_year"],
                &["--compare cannot apply", "--drivers sets each band"],
            ),
            (&["--drivers", "--by", "topic"], &["--by cannot apply"]),
            (
                &["--drivers", "--bucket", "week"],
                &["--bucket cannot apply"],
            ),
            (
                &["--drivers", "--agent", "aiko", "--topic", "配送"],
                &["--agent and --topic cannot apply", "leave them out"],
            ),
            (
                &["--drivers", "--format", "csv"],
                &["--drivers prints a table or JSON"],
            ),
            (
                &["--topic", "billing"],
                &["--topic filters the service KPIs", "--service"],
            ),
        ];
        for (args, named) in cases {
            let error = checked(args).unwrap_err().to_string();
            for name in named {
                assert!(error.contains(name), "{args:?}: {error}");
            }
        }
    }

    #[test]
    fn service_and_drivers_take_their_own_flags() {
        let cases: [(&[&str], ReportKind); 4] = [
            (
                &[
                    "--service",
                    "--by",
                    "agent,topic",
                    "--bucket",
                    "all",
                    "--topic",
                    "配送",
                ],
                ReportKind::Service,
            ),
            (
                &["--service", "--agent", "aiko", "--format", "csv"],
                ReportKind::Service,
            ),
            (
                &[
                    "--drivers",
                    "--team",
                    "tokyo",
                    "--channel",
                    "chat",
                    "--format",
                    "json",
                ],
                ReportKind::Drivers,
            ),
            (&["--drivers", "--from", "2026-11-01"], ReportKind::Drivers),
        ];
        for (args, kind) in cases {
            assert_eq!(checked(args).unwrap(), kind, "{args:?}");
        }
    }
}
