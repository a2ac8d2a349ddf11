//! `koe report --standings` beside the flags that shape score rows: the standings rank each
//! agent once over the whole range, so `--by`, `--bucket` and `--compare` have nothing to act
//! on there. They are refused with the reason, never ignored: nobody should read a table
//! believing it was grouped, bucketed or compared when it was not.

/// Refuses `--by`, `--bucket` and `--compare` (given at all, even empty) beside `--standings`,
/// naming those given and what to run instead.
pub(super) fn refuse_score_flags_with_standings(
    standings: bool,
    by: Option<&str>,
    bucket: Option<&str>,
    compare: Option<&str>,
) -> anyhow::Result<()> {
    let given: Vec<&str> = [
        ("--by", by.is_some()),
        ("--bucket", bucket.is_some()),
        ("--compare", compare.is_some()),
    ]
    .into_iter()
    .filter(|(_, given)| standings && *given)
    .map(|(flag, _)| flag)
    .collect();
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
    fn checked(args: &[&str]) -> anyhow::Result<()> {
        let line = [&["koe", "report", "--site", "site_abc"][..], args].concat();
        let cli = Cli::try_parse_from(line).expect("clap takes the flags");
        let Command::Report {
            standings,
            by,
            bucket,
            compare,
            ..
        } = cli.command
        else {
            panic!("not a report: {args:?}");
        };
        refuse_score_flags_with_standings(
            standings,
            by.as_deref(),
            bucket.as_deref(),
            compare.as_deref(),
        )
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
        let cases: [&[&str]; 4] = [
            &["--standings", "--format", "csv"],
            &["--standings", "--team", "tokyo", "--from", "2026-11-01"],
            &["--by", "agent", "--bucket", "all", "--compare", "previous"],
            &[],
        ];
        for args in cases {
            assert!(checked(args).is_ok(), "{args:?}");
        }
    }
}
