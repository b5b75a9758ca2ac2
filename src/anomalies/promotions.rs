//! Running promotions that lag: once `promotion_min_elapsed_pct` of the period has passed, an
//! uplift below `promotion_min_uplift_share_pct` of the expected uplift is listed (medium),
//! since the day it was first judged. Promotions without a baseline are not judged (their
//! uplift has no percent). Read by the readers of promotion results: not salespeople, and not
//! under a `person_id` filter (a promotion is about a unit).

use chrono::Duration;
use diesel::prelude::*;

use super::model::{Anomaly, AnomalyFigures, AnomalyKind, UnderperformingPromotionFigures};
use super::scope::Ctx;
use crate::alerts::Severity;
use crate::db::DbConnection;
use crate::promotions::model::{in_reach, Row};
use crate::promotions::{figures, PromotionStatus, RESULT_READERS};
use crate::schema::promotions as pr;

pub fn underperforming(conn: &mut DbConnection, ctx: &Ctx) -> QueryResult<Vec<Anomaly>> {
    if !RESULT_READERS.contains(&ctx.caller.role) || ctx.scope.person.is_some() {
        return Ok(Vec::new());
    }
    let a = &ctx.settings.anomalies;
    let mut q = in_reach(conn, ctx.caller)?
        .filter(pr::status.eq(PromotionStatus::Running.as_str()))
        .filter(pr::starts_on.le(ctx.today));
    if let Some(units) = &ctx.scope.within {
        q = q.filter(pr::org_unit_id.eq_any(units.clone()));
    }
    let rows: Vec<Row> = q.order(pr::id).select(Row::as_select()).load(conn)?;
    let mut out = Vec::new();
    for row in rows {
        let period = (row.ends_on - row.starts_on).num_days() + 1;
        let pct = i64::from(a.promotion_min_elapsed_pct);
        // The first day on which that share of the period has passed.
        let judged_from = (period * pct + 99) / 100;
        let first_judged = row.starts_on + Duration::days(judged_from.max(1) - 1);
        if ctx.today < first_judged || row.expected_uplift_pct <= 0.0 {
            continue;
        }
        let f = figures::of(conn, ctx.settings, &row, ctx.today)?;
        let Some(uplift_pct) = f.uplift_pct else {
            continue;
        };
        let floor = row.expected_uplift_pct * f64::from(a.promotion_min_uplift_share_pct) / 100.0;
        if uplift_pct >= floor {
            continue;
        }
        let figures = AnomalyFigures::Promotion(UnderperformingPromotionFigures {
            kind: AnomalyKind::PromotionUnderperforming,
            promotion_id: row.id,
            name: row.name.clone(),
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            measured_days: f.measured_days,
            period_days: f.period_days,
            uplift_pct,
            uplift_minor: f.uplift_minor,
            expected_uplift_pct: row.expected_uplift_pct,
            spend_minor: f.spend_minor,
            budget_minor: f.budget_minor,
            min_elapsed_pct: a.promotion_min_elapsed_pct,
            min_uplift_share_pct: a.promotion_min_uplift_share_pct,
        });
        let since = super::day_start(ctx.settings, first_judged);
        let link = format!("/api/v1/promotions/{}/results", row.id);
        out.push(
            Anomaly::new(Severity::Medium, since, &row.id.to_string(), link, figures)
                .unit(row.org_unit_id),
        );
    }
    Ok(out)
}
