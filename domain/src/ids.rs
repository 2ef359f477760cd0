//! Typed ids: an organization id cannot be passed where a user id is expected. On the wire
//! each is the bare number it wraps.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize,
            Deserialize, schemars::JsonSchema,
        )]
        #[serde(transparent)]
        pub struct $name(pub i32);

        impl $name {
            pub fn get(self) -> i32 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$name> for i32 {
            fn from(id: $name) -> i32 {
                id.0
            }
        }
    };
}

id_type!(
    /// An organization: the boundary no read or write crosses.
    OrgId
);
id_type!(
    /// A user account.
    UserId
);
id_type!(
    /// A page.
    PageId
);
id_type!(
    /// A registered tool.
    ToolId
);
id_type!(
    /// A group of users (from the identity provider or made here).
    GroupId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_travel_as_bare_numbers() {
        assert_eq!(serde_json::to_string(&OrgId(7)).unwrap(), "7");
        assert_eq!(serde_json::from_str::<UserId>("42").unwrap(), UserId(42));
        assert_eq!(PageId(3).to_string(), "3");
        assert_eq!(i32::from(ToolId(9)), 9);
    }
}
