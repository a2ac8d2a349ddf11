//! How failed sign-ins slow an account (NIST SP 800-63B § 5.2.2, rate limiting): the first
//! [`FREE_FAILURES`] cost nothing, then each further attempt waits twice as long as the one
//! before — 1 s, 2 s, 4 s … up to [`LONGEST_WAIT`] — counted from the last failure. The count
//! and the wait are the account's (kept in its row, so every collector on the database sees
//! them) and end with a successful sign-in or a password reset. An attempt is claimed in the
//! row before the password is checked (for [`ATTEMPT_LEASE`] at most), so attempts at one
//! account never run side by side: a guesser cannot spend the free failures many times over
//! by sending them at once. Per address, every failed sign-in counts among
//! the address's refusals (`web/rate_limit.rs`), which slow a guesser trying many accounts.

use jiff::SignedDuration;

/// Failures allowed before attempts are slowed.
pub const FREE_FAILURES: i64 = 5;
/// The longest an account waits between attempts.
pub const LONGEST_WAIT: SignedDuration = SignedDuration::from_mins(15);
/// How long a claimed attempt holds the account at most (it ends when the check does).
pub const ATTEMPT_LEASE: SignedDuration = SignedDuration::from_secs(5);

/// How long after its last failure an account with `failures` failed sign-ins takes the next
/// attempt.
pub fn wait_after(failures: i64) -> SignedDuration {
    if failures < FREE_FAILURES {
        return SignedDuration::ZERO;
    }
    let doublings = u32::try_from((failures - FREE_FAILURES).min(20)).unwrap_or(20);
    SignedDuration::from_secs(1_i64 << doublings).min(LONGEST_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_after_the_free_failures_up_to_its_cap() {
        assert_eq!(wait_after(4), SignedDuration::ZERO);
        assert_eq!(wait_after(5), SignedDuration::from_secs(1));
        assert_eq!(wait_after(8), SignedDuration::from_secs(8));
        assert_eq!(wait_after(1_000), LONGEST_WAIT);
    }
}
