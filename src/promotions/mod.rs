//! Sales and promotion plans (seed, section 1: the sales manager "cooperates with various sales
//! and promotion plans to assist salesmen and dealers" in reaching their targets), with what
//! they cost and whether they moved sales (`/api/v1/promotions`).
//!
//! A promotion belongs to an org unit, whose subtree is its *territory*: the units, dealers and
//! customers taking part lie inside it (a unit takes part with its whole subtree), and the
//! customers of the territory who do not take part are the control group of its results. It is
//! planned as a `draft`, `approved` by a manager above its unit (never its planner), `running`
//! from its first day and `completed` after its last, or `cancelled`. The two moves in time are
//! stored by the background pass ([`lifecycle`]), so that each is a new version, a change feed
//! entry and a webhook event (`promotion.started`, `promotion.completed`) like every other
//! change, and not a status that a mirror could never learn about. See `docs/promotions.md`.

pub mod actions;
pub mod api;
pub mod costs;
pub mod demo;
pub mod execution;
pub mod figures;
pub mod input;
pub mod lifecycle;
pub mod measure;
pub mod model;
pub mod results;
pub mod uplift;

use crate::auth::Role;
use crate::visits::str_enum;

/// Roles that plan promotions for the units their reach covers.
pub const PLANNERS: [Role; 2] = [Role::Manager, Role::Supervisor];

/// Roles that read promotions (dealers do not: they read their own targets and progress).
pub const READERS: [Role; 6] = [
    Role::Admin,
    Role::Executive,
    Role::Integration,
    Role::Manager,
    Role::Supervisor,
    Role::Salesperson,
];

/// Roles that read the results (everyone's sales in the territory): not salespeople.
pub const RESULT_READERS: [Role; 5] = [
    Role::Admin,
    Role::Executive,
    Role::Integration,
    Role::Manager,
    Role::Supervisor,
];

str_enum!(
    /// What a promotion does.
    PromotionKind {
        PriceDiscount => "price_discount",
        VolumeBonus => "volume_bonus",
        Display => "display",
        Sampling => "sampling",
        DealerIncentive => "dealer_incentive",
        Other => "other",
    }
);

str_enum!(
    /// Where a promotion is: `draft` -> `approved` (by a manager above its unit) -> `running`
    /// (from its first day) -> `completed` (after its last); or `cancelled` before it completes.
    PromotionStatus {
        Draft => "draft",
        Approved => "approved",
        Running => "running",
        Completed => "completed",
        Cancelled => "cancelled",
    }
);

impl PromotionStatus {
    /// Approved and not cancelled: its visits and costs count, its results mean something.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            PromotionStatus::Approved | PromotionStatus::Running | PromotionStatus::Completed
        )
    }
}
