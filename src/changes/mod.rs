//! The change feed, `/api/v1/changes`: one ordered list of every create, change, archive and
//! delete of every resource an integrator mirrors, read from the outbox (each entry is the
//! same row as the webhook event of the change). Positions are given in commit order by the
//! [`sequencer`], so a reader that resumes after the last position it saw never misses an
//! entry. See `docs/changes.md`.

pub mod api;
pub mod feed;
pub mod sequencer;

use chrono::Duration;
use diesel::prelude::*;

use crate::auth::Role;
use crate::db::{write_tx, DbConnection, Timestamp};
use crate::schema::{change_feed_state, notifications, outbox_events, webhook_deliveries};
use crate::visits::str_enum;

str_enum!(
    /// A kind of resource the change feed carries.
    ResourceType {
        OrgUnit => "org_unit",
        User => "user",
        Customer => "customer",
        Dealer => "dealer",
        Product => "product",
        Competitor => "competitor",
        Target => "target",
        SalesFact => "sales_fact",
        PaymentFact => "payment_fact",
        VisitPlan => "visit_plan",
        DailyReport => "daily_report",
        MarketReport => "market_report",
        Complaint => "complaint",
        WeeklyReport => "weekly_report",
        Meeting => "meeting",
        CoachingSession => "coaching_session",
        Promotion => "promotion",
        PromotionCostFact => "promotion_cost_fact",
    }
);

impl ResourceType {
    /// The roles that may read this kind of resource at all (the lists' own rules); within
    /// them, reach decides which entries a caller sees. Admins and integrations see everything.
    pub fn readers(self) -> &'static [Role] {
        use Role::*;
        match self {
            ResourceType::User => &[Executive, Manager, Supervisor],
            ResourceType::VisitPlan
            | ResourceType::DailyReport
            | ResourceType::Meeting
            | ResourceType::CoachingSession => &[Manager, Supervisor, Salesperson],
            ResourceType::WeeklyReport => &[Executive, Manager, Supervisor],
            ResourceType::Target
            | ResourceType::SalesFact
            | ResourceType::PaymentFact
            | ResourceType::PromotionCostFact => {
                &[Executive, Manager, Supervisor, Salesperson, Dealer]
            }
            ResourceType::Dealer => &[Executive, Manager, Supervisor, Salesperson, Dealer],
            _ => &[Executive, Manager, Supervisor, Salesperson],
        }
    }

    /// Kinds whose records of a unit are read by the people inside the unit's subtree too,
    /// not only by those whose reach covers the unit: a promotion is carried out by them.
    pub fn read_from_inside(self) -> bool {
        matches!(self, ResourceType::Promotion)
    }

    /// The kinds a role may read.
    pub fn readable_by(role: Role) -> Vec<ResourceType> {
        ResourceType::ALL
            .iter()
            .copied()
            .filter(|t| {
                matches!(role, Role::Admin | Role::Integration) || t.readers().contains(&role)
            })
            .collect()
    }
}

/// Gives positions to the entries committed since the last pass, and prunes what is older
/// than the retention (deliveries that are finished, and entries no notification points at);
/// a reader resuming at or before the pruned position is answered 410.
pub fn prune(conn: &mut DbConnection, now: Timestamp, retention_days: u32) -> QueryResult<usize> {
    sequencer::run(conn)?;
    let cutoff = Timestamp(now.0 - Duration::days(i64::from(retention_days)));
    write_tx(conn, |conn| {
        let through: Option<i64> = outbox_events::table
            .filter(outbox_events::created_at.lt(cutoff))
            .select(diesel::dsl::max(outbox_events::position))
            .first(conn)?;
        let Some(through) = through else {
            return Ok(0);
        };
        diesel::update(change_feed_state::table)
            .filter(change_feed_state::pruned_through.lt(through))
            .set(change_feed_state::pruned_through.eq(through))
            .execute(conn)?;
        let old = outbox_events::table
            .filter(outbox_events::position.le(through))
            .select(outbox_events::id);
        diesel::delete(
            webhook_deliveries::table
                .filter(webhook_deliveries::status.ne("pending"))
                .filter(webhook_deliveries::event_id.eq_any(old)),
        )
        .execute(conn)?;
        let kept_by_deliveries = webhook_deliveries::table.select(webhook_deliveries::event_id);
        let kept_by_inboxes = notifications::table.select(notifications::event_id);
        diesel::delete(
            outbox_events::table
                .filter(outbox_events::position.le(through))
                .filter(outbox_events::id.ne_all(kept_by_deliveries))
                .filter(outbox_events::id.ne_all(kept_by_inboxes)),
        )
        .execute(conn)
    })
}
