//! Schedule triggers: a cron pattern read by `croner` (five fields, or six with seconds,
//! `L`, `#`, `W` and the `@daily`-style nicknames) in an IANA time zone from `chrono-tz`,
//! so "09:00 on weekdays in Europe/Berlin" stays 09:00 across daylight-saving changes.

use std::str::FromStr;

use chrono::{DateTime, SubsecRound, Utc};
use chrono_tz::Tz;
use croner::Cron;

#[derive(Clone, Debug)]
pub struct Schedule {
    cron: Cron,
    zone: Tz,
}

impl Schedule {
    /// Reads a pattern and a time zone; the error says which is wrong and how.
    pub fn parse(pattern: &str, time_zone: &str) -> Result<Self, ScheduleError> {
        let cron = Cron::from_str(pattern.trim())
            .map_err(|err| ScheduleError::Pattern(err.to_string()))?;
        let zone = Tz::from_str(time_zone.trim())
            .map_err(|_| ScheduleError::TimeZone(time_zone.to_owned()))?;
        Ok(Self { cron, zone })
    }

    /// The first time the schedule fires strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // Firings are on whole seconds; the search would otherwise carry the fraction along.
        let local = after.trunc_subsecs(0).with_timezone(&self.zone);
        self.cron
            .find_next_occurrence(&local, false)
            .ok()
            .map(|next| next.with_timezone(&Utc).trunc_subsecs(0))
    }

    /// Names one firing: one schedule tick starts at most one run.
    pub fn event_key(fires_at: DateTime<Utc>) -> String {
        format!("schedule@{}", fires_at.to_rfc3339())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("not a cron pattern: {0}")]
    Pattern(String),
    #[error("“{0}” is not a time zone; use a name such as Europe/Berlin or UTC")]
    TimeZone(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn fires_at_local_time_across_a_daylight_saving_change() {
        let weekday_nine = Schedule::parse("0 9 * * MON-FRI", "Europe/Berlin").unwrap();
        // Friday 24 October 2025 is still summer time (UTC+2)…
        assert_eq!(
            weekday_nine.next_after(at("2025-10-24T06:00:00Z")),
            Some(at("2025-10-24T07:00:00Z"))
        );
        // …the clocks go back on Sunday 26 October, so Monday's 09:00 is 08:00 UTC.
        assert_eq!(
            weekday_nine.next_after(at("2025-10-24T07:00:00Z")),
            Some(at("2025-10-27T08:00:00Z"))
        );
    }

    #[test]
    fn the_next_firing_is_strictly_later() {
        let every_five = Schedule::parse("*/5 * * * *", "UTC").unwrap();
        assert_eq!(
            every_five.next_after(at("2025-01-01T10:05:00Z")),
            Some(at("2025-01-01T10:10:00Z"))
        );
        // A fraction of a second in the time asked about does not carry over.
        assert_eq!(
            every_five.next_after(at("2025-01-01T10:07:30.273610293Z")),
            Some(at("2025-01-01T10:10:00Z"))
        );
        assert_eq!(
            Schedule::event_key(at("2025-01-01T10:10:00Z")),
            "schedule@2025-01-01T10:10:00+00:00"
        );
    }

    #[test]
    fn bad_patterns_and_zones_say_which() {
        assert!(matches!(
            Schedule::parse("61 * * * *", "UTC"),
            Err(ScheduleError::Pattern(_))
        ));
        assert!(matches!(
            Schedule::parse("every day", "UTC"),
            Err(ScheduleError::Pattern(_))
        ));
        assert_eq!(
            Schedule::parse("0 9 * * *", "Mars/Olympus").unwrap_err(),
            ScheduleError::TimeZone("Mars/Olympus".into())
        );
    }
}
