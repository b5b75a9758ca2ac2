//! Promotion rows, their links (participants, products, categories, supported targets) and the
//! queries on them; the promotion as the API shows it, with its spend so far.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{PromotionKind, PromotionStatus};
use crate::auth::Caller;
use crate::db::{DbConnection, Id, MultiBackend, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::facts::promotion_costs::spend_of;
use crate::http::Cursor;
use crate::schema::{
    daily_reports, promotion_categories as pc, promotion_links as pl, promotions as pr,
    report_visits,
};
use crate::visits::reports::model::COUNTED;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pr)]
pub struct Row {
    pub id: Id,
    pub name: String,
    pub kind: String,
    pub description: Option<String>,
    pub org_unit_id: Id,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub budget_minor: i64,
    pub expected_uplift_pct: f64,
    pub status: String,
    pub created_by: Id,
    pub approved_by: Option<Id>,
    pub approved_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub cancelled_by: Option<Id>,
    pub cancelled_at: Option<Timestamp>,
    pub cancel_reason: Option<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Who and what takes part, and the targets it supports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Links {
    pub units: Vec<Id>,
    pub dealers: Vec<Id>,
    pub customers: Vec<Id>,
    pub products: Vec<Id>,
    pub categories: Vec<String>,
    pub targets: Vec<Id>,
}

impl Links {
    fn typed(&self) -> Vec<(&'static str, Id)> {
        [
            ("unit", &self.units),
            ("dealer", &self.dealers),
            ("customer", &self.customers),
            ("product", &self.products),
            ("target", &self.targets),
        ]
        .into_iter()
        .flat_map(|(kind, ids)| ids.iter().map(move |i| (kind, *i)))
        .collect()
    }
}

/// A promotion as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Promotion {
    pub id: Id,
    pub name: String,
    pub kind: PromotionKind,
    pub description: Option<String>,
    /// The unit it belongs to; its subtree is the territory (participants lie inside it, and
    /// its other customers are the control group of the results).
    pub org_unit_id: Id,
    /// First day (company time zone).
    pub starts_on: NaiveDate,
    /// Last day (inclusive).
    pub ends_on: NaiveDate,
    pub budget_minor: i64,
    /// The uplift it is planned to bring: percent over the baseline (see the results).
    pub expected_uplift_pct: f64,
    /// Units taking part, each with its whole subtree.
    pub unit_ids: Vec<Id>,
    pub dealer_ids: Vec<Id>,
    pub customer_ids: Vec<Id>,
    /// The products promoted (with `categories`: a sale counts if it is either).
    pub product_ids: Vec<Id>,
    pub categories: Vec<String>,
    /// The targets it supports.
    pub target_ids: Vec<Id>,
    pub status: PromotionStatus,
    /// Everything booked against it so far (promotion cost facts: the visits of submitted and
    /// reviewed daily reports, and the ERP's), minor units.
    pub spend_minor: i64,
    /// `budget_minor - spend_minor` (negative when over budget).
    pub budget_remaining_minor: i64,
    /// `spend / budget` (absent for a budget of 0).
    pub budget_used_ratio: Option<f64>,
    /// Visits of submitted and reviewed daily reports that executed it.
    pub executions: i64,
    pub created_by: Id,
    pub approved_by: Option<Id>,
    pub approved_at: Option<Timestamp>,
    /// When it was found running (its first day, or its approval if that came later).
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub cancelled_by: Option<Id>,
    pub cancelled_at: Option<Timestamp>,
    pub cancel_reason: Option<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Filters of the list.
#[derive(Debug, Default)]
pub struct Filter {
    pub status: Option<PromotionStatus>,
    pub kind: Option<PromotionKind>,
    /// Promotions of the units in this list (a `unit_id` subtree).
    pub units: Option<Vec<Id>>,
    /// Promotions whose period contains this day.
    pub active_on: Option<NaiveDate>,
    pub updated_since: Option<Timestamp>,
}

type Boxed = pr::BoxedQuery<'static, MultiBackend>;

/// The promotions a caller reads: all for company-wide roles; otherwise those of a unit their
/// reach covers, or of a unit whose subtree holds them (they carry it out), see
/// [`Caller::units_above`]. The change feed reaches them alike (`ResourceType::Promotion`).
pub fn in_reach(conn: &mut DbConnection, caller: &Caller) -> QueryResult<Boxed> {
    let q = pr::table.into_boxed();
    if caller.reach.all {
        return Ok(q);
    }
    let mut units = caller.reach.unit_ids.clone();
    units.extend(caller.units_above(conn)?);
    Ok(q.filter(pr::org_unit_id.eq_any(units)))
}

impl Row {
    pub fn status(&self) -> PromotionStatus {
        PromotionStatus::parse(&self.status)
    }

    pub fn find(conn: &mut DbConnection, id: Id) -> ApiResult<Row> {
        pr::table
            .find(id)
            .select(Row::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("promotion"))
    }

    /// A promotion the caller reads (404 otherwise).
    pub fn find_in_reach(conn: &mut DbConnection, caller: &Caller, id: Id) -> ApiResult<Row> {
        in_reach(conn, caller)?
            .filter(pr::id.eq(id))
            .select(Row::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("promotion"))
    }

    pub fn list(
        conn: &mut DbConnection,
        caller: &Caller,
        f: &Filter,
        page: Cursor,
    ) -> QueryResult<Vec<Row>> {
        let mut q = in_reach(conn, caller)?;
        if let Some(s) = f.status {
            q = q.filter(pr::status.eq(s.as_str()));
        }
        if let Some(k) = f.kind {
            q = q.filter(pr::kind.eq(k.as_str()));
        }
        if let Some(units) = &f.units {
            q = q.filter(pr::org_unit_id.eq_any(units.clone()));
        }
        if let Some(day) = f.active_on {
            q = q.filter(pr::starts_on.le(day).and(pr::ends_on.ge(day)));
        }
        crate::filter_updated_since!(q, pr::updated_at, f.updated_since);
        if let Some(after) = page.after {
            q = q.filter(pr::id.gt(after));
        }
        q.order(pr::id)
            .limit(page.fetch())
            .select(Row::as_select())
            .load(conn)
    }

    /// Bumps the version of these promotions (whose spend or executions changed) and records
    /// each change (`promotion.updated`), in id order so that concurrent writers wait for each
    /// other rather than deadlock.
    pub fn touch(conn: &mut DbConnection, now: Timestamp, ids: &[Id]) -> QueryResult<()> {
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Ok(());
        }
        for id in &ids {
            diesel::update(pr::table.find(*id))
                .set((pr::version.eq(pr::version + 1), pr::updated_at.eq(now)))
                .execute(conn)?;
        }
        let rows = pr::table
            .filter(pr::id.eq_any(&ids))
            .order(pr::id)
            .select(Row::as_select())
            .load(conn)?;
        let views = present(conn, rows)?;
        crate::events::changed_many(conn, now, "promotion.updated", &views).map(|_| ())
    }
}

/// The links of some promotions, by promotion.
pub fn links_of(conn: &mut DbConnection, ids: &[Id]) -> QueryResult<HashMap<Id, Links>> {
    let mut out: HashMap<Id, Links> = HashMap::new();
    let rows: Vec<(Id, String, Id)> = pl::table
        .filter(pl::promotion_id.eq_any(ids))
        .order((pl::promotion_id, pl::link_type, pl::linked_id))
        .select((pl::promotion_id, pl::link_type, pl::linked_id))
        .load(conn)?;
    for (p, kind, linked) in rows {
        let l = out.entry(p).or_default();
        match kind.as_str() {
            "unit" => l.units.push(linked),
            "dealer" => l.dealers.push(linked),
            "customer" => l.customers.push(linked),
            "product" => l.products.push(linked),
            _ => l.targets.push(linked),
        }
    }
    let cats: Vec<(Id, String)> = pc::table
        .filter(pc::promotion_id.eq_any(ids))
        .order((pc::promotion_id, pc::category))
        .select((pc::promotion_id, pc::category))
        .load(conn)?;
    for (p, c) in cats {
        out.entry(p).or_default().categories.push(c);
    }
    Ok(out)
}

/// Replaces the links of a promotion (`new`: it was just made and has none yet).
pub fn replace_links(conn: &mut DbConnection, id: Id, links: &Links, new: bool) -> QueryResult<()> {
    if !new {
        diesel::delete(pl::table.filter(pl::promotion_id.eq(id))).execute(conn)?;
        diesel::delete(pc::table.filter(pc::promotion_id.eq(id))).execute(conn)?;
    }
    let typed: Vec<_> = links
        .typed()
        .into_iter()
        .map(|(kind, linked)| {
            (
                pl::promotion_id.eq(id),
                pl::link_type.eq(kind),
                pl::linked_id.eq(linked),
            )
        })
        .collect();
    for chunk in typed.chunks(300) {
        crate::per_backend!(&mut *conn, |c| diesel::insert_into(pl::table)
            .values(chunk)
            .execute(c))?;
    }
    let cats: Vec<_> = links
        .categories
        .iter()
        .map(|c| (pc::promotion_id.eq(id), pc::category.eq(c.clone())))
        .collect();
    if !cats.is_empty() {
        crate::per_backend!(&mut *conn, |c| diesel::insert_into(pc::table)
            .values(&cats)
            .execute(c))?;
    }
    Ok(())
}

/// Visits of counted daily reports that executed each of these promotions.
fn executions_of(conn: &mut DbConnection, ids: &[Id]) -> QueryResult<HashMap<Id, i64>> {
    let some: Vec<Option<Id>> = ids.iter().copied().map(Some).collect();
    let rows: Vec<(Option<Id>, i64)> = report_visits::table
        .inner_join(daily_reports::table)
        .filter(report_visits::promotion_id.eq_any(some))
        .filter(daily_reports::status.eq_any(COUNTED))
        .group_by(report_visits::promotion_id)
        .select((
            report_visits::promotion_id,
            sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, n)| p.map(|p| (p, n)))
        .collect())
}

/// Rows as API objects: their links, spend and executions in a few queries for all of them.
pub fn present(conn: &mut DbConnection, rows: Vec<Row>) -> QueryResult<Vec<Promotion>> {
    let ids: Vec<Id> = rows.iter().map(|r| r.id).collect();
    let mut links = links_of(conn, &ids)?;
    let spend = spend_of(conn, &ids, None)?;
    let executions = executions_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let l = links.remove(&r.id).unwrap_or_default();
            let spent = spend.get(&r.id).copied().unwrap_or(0);
            Promotion {
                kind: PromotionKind::parse(&r.kind),
                status: r.status(),
                spend_minor: spent,
                budget_remaining_minor: r.budget_minor.saturating_sub(spent),
                budget_used_ratio: crate::progress::model::ratio(spent, r.budget_minor),
                executions: executions.get(&r.id).copied().unwrap_or(0),
                unit_ids: l.units,
                dealer_ids: l.dealers,
                customer_ids: l.customers,
                product_ids: l.products,
                categories: l.categories,
                target_ids: l.targets,
                id: r.id,
                name: r.name,
                description: r.description,
                org_unit_id: r.org_unit_id,
                starts_on: r.starts_on,
                ends_on: r.ends_on,
                budget_minor: r.budget_minor,
                expected_uplift_pct: r.expected_uplift_pct,
                created_by: r.created_by,
                approved_by: r.approved_by,
                approved_at: r.approved_at,
                started_at: r.started_at,
                completed_at: r.completed_at,
                cancelled_by: r.cancelled_by,
                cancelled_at: r.cancelled_at,
                cancel_reason: r.cancel_reason,
                version: r.version,
                created_at: r.created_at,
                updated_at: r.updated_at,
            }
        })
        .collect())
}

/// One promotion as the API shows it.
pub fn load(conn: &mut DbConnection, id: Id) -> ApiResult<Promotion> {
    let row = Row::find(conn, id)?;
    present(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::not_found("promotion"))
}

crate::mirrored!(Promotion, "promotion", |p| crate::events::Scope {
    unit: Some(p.org_unit_id),
    ..Default::default()
});
