//! Typed ids: a `StudentId` cannot be passed where a `TeamId` is expected.

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}

typed_id!(
    /// A district (the school system).
    DistrictId,
    /// A school.
    SchoolId,
    /// A school year or a term inside it.
    TermId,
    /// An educator of any role along the continuum.
    EducatorId,
    /// A student.
    StudentId,
    /// A core or extended team.
    TeamId,
    /// A learning space: a room, or a zone inside a large flexible room.
    SpaceId,
    /// A person who can log in.
    UserId,
);
