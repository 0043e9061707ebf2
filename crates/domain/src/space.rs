//! Learning spaces: rooms, and zones inside a large flexible room. A zone's capacity counts
//! against its room's; nobody books a space beyond what it holds.

use crate::error::{ParseError, RuleViolation};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpaceKind {
    Classroom,
    /// A large room that a core team divides into zones.
    FlexibleSpace,
    /// A zone inside a flexible space.
    Zone,
    Lab,
    Library,
    Gym,
    Commons,
    SmallGroupRoom,
}

impl SpaceKind {
    pub const ALL: [SpaceKind; 8] = [
        Self::Classroom,
        Self::FlexibleSpace,
        Self::Zone,
        Self::Lab,
        Self::Library,
        Self::Gym,
        Self::Commons,
        Self::SmallGroupRoom,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Classroom => "classroom",
            Self::FlexibleSpace => "flexible_space",
            Self::Zone => "zone",
            Self::Lab => "lab",
            Self::Library => "library",
            Self::Gym => "gym",
            Self::Commons => "commons",
            Self::SmallGroupRoom => "small_group_room",
        }
    }
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ParseError::new("space kind", s, "is not a kind of space"))
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Classroom => "Classroom",
            Self::FlexibleSpace => "Flexible space",
            Self::Zone => "Zone",
            Self::Lab => "Lab",
            Self::Library => "Library",
            Self::Gym => "Gym",
            Self::Commons => "Commons",
            Self::SmallGroupRoom => "Small-group room",
        }
    }
}

/// Checks that the zones of a flexible room fit in it together.
pub fn check_zones(
    room: &str,
    capacity: u32,
    zone_capacities: &[u32],
) -> Result<(), RuleViolation> {
    let total: u32 = zone_capacities.iter().sum();
    if total > capacity {
        return Err(RuleViolation::ZonesExceedRoom {
            room: room.to_owned(),
            capacity,
            zones_total: total,
        });
    }
    Ok(())
}

/// The load of one space in one period: what it holds and what is already booked there
/// (for a flexible room, its zones' bookings included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpaceLoad {
    pub space: String,
    pub capacity: u32,
    pub booked: u32,
}

impl SpaceLoad {
    /// Admits `headcount` more students in the period named `day`/`period`, or says why not.
    pub fn admit(&self, headcount: u32, day: &str, period: &str) -> Result<(), RuleViolation> {
        if self.booked.saturating_add(headcount) > self.capacity {
            return Err(RuleViolation::SpaceOverCapacity {
                space: self.space.clone(),
                capacity: self.capacity,
                requested: headcount,
                already: self.booked,
                day: day.to_owned(),
                period: period.to_owned(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_capacity_says_where() {
        let load = SpaceLoad {
            space: "Commons zone A".into(),
            capacity: 30,
            booked: 20,
        };
        assert!(load.admit(10, "Monday", "P1").is_ok());
        let msg = load
            .admit(11, "Monday", "P1")
            .expect_err("31 > 30")
            .to_string();
        assert!(
            msg.contains("Commons zone A")
                && msg.contains("Monday P1")
                && msg.contains("20 already"),
            "{msg}"
        );
    }

    #[test]
    fn zones_fit_their_room() {
        assert!(check_zones("Learning studio", 120, &[40, 40, 40]).is_ok());
        assert!(check_zones("Learning studio", 120, &[40, 40, 41]).is_err());
    }
}
