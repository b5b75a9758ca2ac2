//! What a resource declares to be mirrored: its type, id, version and who may read its
//! changes.

use serde::Serialize;

use crate::db::Id;

/// Whose a change is, for the reach of the change feed: the person whose record it is (reached
/// through their current unit, as everywhere), the unit it belongs to, the dealer it belongs to.
/// All `None` for company-wide data (products, competitors).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub owner: Option<Id>,
    /// Further people whose record it also is, each reached like the owner (the salespeople
    /// of a coaching session).
    pub people: Vec<Id>,
    /// People who read it themselves, and nobody through them (a complaint's assignee, a
    /// meeting's attendees).
    pub readers: Vec<Id>,
    pub unit: Option<Id>,
    pub dealer: Option<Id>,
}

/// Implements [`Mirrored`] for a view with `id` and `version` fields: the resource type, and
/// the scope of a view `$v`.
#[macro_export]
macro_rules! mirrored {
    ($ty:ty, $resource:literal, |$v:ident| $scope:expr) => {
        impl $crate::events::Mirrored for $ty {
            const RESOURCE: &'static str = $resource;
            fn id(&self) -> $crate::db::Id {
                self.id
            }
            fn version(&self) -> i64 {
                self.version
            }
            fn scope(&self) -> $crate::events::Scope {
                #[allow(unused_variables)]
                let $v = self;
                $scope
            }
        }
    };
}

/// A resource an integrator mirrors: each of its creates, changes, archives and deletes is an
/// outbox event, a change feed entry and a webhook event, written by [`changed`] or
/// [`deleted`] in the transaction of the change.
pub trait Mirrored: Serialize {
    /// The resource type, as the feed and the event types name it (`customer`, `target`, ...).
    const RESOURCE: &'static str;
    fn id(&self) -> Id;
    fn version(&self) -> i64;
    fn scope(&self) -> Scope;
}
