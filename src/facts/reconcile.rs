//! Reconciliation of report orders with ERP sales by order reference (docs/reconciliation.md).
//!
//! Every sales fact stands in one state. A report fact is `reported_only` until an ERP fact
//! with its order reference arrives (`confirmed`, superseded by that fact), or until the ERP
//! declares its day complete without one (`not_invoiced`). An ERP fact is `confirms_report`
//! when a report fact carries its reference, else `erp_only`. Which states count for money
//! depends on `money_facts_source` ([`counted_sales`]), so that no setting counts one sale twice.
//! The states are kept up to date by [`settle`] whenever facts with a reference, or the ERP's
//! completeness, change; each change of state is a change of the fact (version, change feed).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::sales::SalesFactRow;
use crate::db::{DbConnection, Id, Timestamp};
use crate::schema::{erp_periods, sales_facts as sf};
use crate::settings::model::FactsSource;

/// Where a sales fact stands against the other source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reconciliation {
    /// A report fact the ERP has not confirmed yet (its day is not declared complete).
    ReportedOnly,
    /// A report fact whose order reference an ERP fact carries: superseded by it.
    Confirmed,
    /// A report fact of a day the ERP declared complete without a fact of its reference.
    NotInvoiced,
    /// An ERP fact no report fact refers to.
    ErpOnly,
    /// An ERP fact that confirms report facts (they carry its order reference).
    ConfirmsReport,
}

impl Reconciliation {
    pub const ALL: [Reconciliation; 5] = [
        Reconciliation::ReportedOnly,
        Reconciliation::Confirmed,
        Reconciliation::NotInvoiced,
        Reconciliation::ErpOnly,
        Reconciliation::ConfirmsReport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reconciliation::ReportedOnly => "reported_only",
            Reconciliation::Confirmed => "confirmed",
            Reconciliation::NotInvoiced => "not_invoiced",
            Reconciliation::ErpOnly => "erp_only",
            Reconciliation::ConfirmsReport => "confirms_report",
        }
    }
}

/// The states of sales facts that count for money under a setting:
/// `report` counts every report fact (the ERP's facts only tell which are confirmed), `erp`
/// every ERP fact, and `both` every ERP fact plus the report facts nothing confirmed or
/// refuted yet (`reported_only`).
pub fn counted_sales(source: FactsSource) -> Vec<&'static str> {
    use Reconciliation::*;
    let states: &[Reconciliation] = match source {
        FactsSource::Report => &[ReportedOnly, Confirmed, NotInvoiced],
        FactsSource::Erp => &[ErpOnly, ConfirmsReport],
        FactsSource::Both => &[ErpOnly, ConfirmsReport, ReportedOnly],
    };
    states.iter().map(|s| s.as_str()).collect()
}

/// The states whose amount the ERP stands behind: its own facts and the report facts it
/// confirmed. Of a counted amount, the rest is reported only.
pub const ERP_CONFIRMED: [&str; 3] = ["erp_only", "confirms_report", "confirmed"];

// The gross profit of a sales fact is revenue minus cost, except for a report order given as an
// amount without lines (no product), whose cost is not known: it counts toward no gross profit.
// The triggers of migration 2026-12-20-000001_fact_sums apply that rule as they sum the facts
// (`progress::sums`).

/// The sources of payment facts that count for money under a setting (payments carry no
/// order reference and are not reconciled).
pub fn payment_sources(source: FactsSource) -> Vec<&'static str> {
    match source {
        FactsSource::Report => vec!["report"],
        FactsSource::Erp => vec!["erp"],
        FactsSource::Both => vec!["report", "erp"],
    }
}

/// The day through which the ERP has declared its sales complete.
pub fn complete_through(conn: &mut DbConnection) -> QueryResult<Option<NaiveDate>> {
    erp_periods::table
        .find("sales")
        .select(erp_periods::complete_through)
        .first(conn)
        .optional()
}

/// Records that every ERP sale on or before `day` is in, and settles the report facts whose
/// state that changes (the days between the old and the new declaration).
pub fn declare_complete(
    conn: &mut DbConnection,
    now: Timestamp,
    day: NaiveDate,
) -> QueryResult<()> {
    let old = complete_through(conn)?;
    if old == Some(day) {
        return Ok(());
    }
    if old.is_some() {
        diesel::update(erp_periods::table.find("sales"))
            .set((
                erp_periods::complete_through.eq(day),
                erp_periods::updated_at.eq(now),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(erp_periods::table)
            .values((
                erp_periods::kind.eq("sales"),
                erp_periods::complete_through.eq(day),
                erp_periods::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    let (from, to) = match old {
        Some(o) if o < day => (o.succ_opt().unwrap_or(o), day),
        Some(o) => (day.succ_opt().unwrap_or(day), o),
        // Business dates start in 1900 (and PostgreSQL refuses chrono's earliest day).
        None => (NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(day), day),
    };
    settle(conn, now, Vec::new(), Some((from, to)))
}

/// What decides the state of a fact: per order reference, the first ERP fact carrying it and
/// whether a report fact carries it; and the ERP's completeness.
#[derive(Debug, Default)]
pub struct Ledger {
    erp: HashMap<String, Id>,
    reported: HashSet<String>,
    complete_through: Option<NaiveDate>,
}

impl Ledger {
    fn add(&mut self, source: &str, order_ref: Option<&String>, id: Id) {
        let Some(r) = order_ref else { return };
        if source == "erp" {
            let first = self.erp.entry(r.clone()).or_insert(id);
            *first = (*first).min(id);
        } else {
            self.reported.insert(r.clone());
        }
    }

    /// The stored facts carrying these references, and the ERP's completeness.
    pub fn load(conn: &mut DbConnection, refs: &[String]) -> QueryResult<Ledger> {
        let mut ledger = Ledger {
            complete_through: complete_through(conn)?,
            ..Ledger::default()
        };
        for f in with_refs(conn, refs)? {
            ledger.add(&f.source, f.order_ref.as_ref(), f.id);
        }
        Ok(ledger)
    }

    /// Counts a report fact about to be written as carrying its reference.
    pub fn reporting(&mut self, order_ref: Option<&String>) {
        if let Some(r) = order_ref {
            self.reported.insert(r.clone());
        }
    }

    /// The state of a fact of `source` with `order_ref` sold on `day`, and the ERP fact that
    /// supersedes it.
    pub fn decide(
        &self,
        source: &str,
        order_ref: Option<&String>,
        day: NaiveDate,
    ) -> (Reconciliation, Option<Id>) {
        let found = order_ref.and_then(|r| self.erp.get(r));
        if source == "erp" {
            let confirms = order_ref.is_some_and(|r| self.reported.contains(r));
            return match confirms {
                true => (Reconciliation::ConfirmsReport, None),
                false => (Reconciliation::ErpOnly, None),
            };
        }
        match found {
            Some(erp) => (Reconciliation::Confirmed, Some(*erp)),
            None if self.complete_through.is_some_and(|c| day <= c) => {
                (Reconciliation::NotInvoiced, None)
            }
            None => (Reconciliation::ReportedOnly, None),
        }
    }
}

/// The facts carrying any of `refs` (500 references a statement).
fn with_refs(conn: &mut DbConnection, refs: &[String]) -> QueryResult<Vec<SalesFactRow>> {
    let mut out = Vec::new();
    for chunk in refs.chunks(500) {
        let keys: Vec<Option<String>> = chunk.iter().cloned().map(Some).collect();
        out.extend(
            sf::table
                .filter(sf::order_ref.eq_any(keys))
                .select(SalesFactRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Brings every fact carrying one of `refs`, and every report fact sold within `days`, into
/// the state the stored facts decide; the facts whose state changes get a new version and a
/// change feed entry (`sales_fact.upserted`).
pub fn settle(
    conn: &mut DbConnection,
    now: Timestamp,
    refs: Vec<String>,
    days: Option<(NaiveDate, NaiveDate)>,
) -> QueryResult<()> {
    let mut refs: Vec<String> = refs;
    refs.sort();
    refs.dedup();
    let mut facts: HashMap<Id, SalesFactRow> = HashMap::new();
    facts.extend(with_refs(conn, &refs)?.into_iter().map(|f| (f.id, f)));
    if let Some((from, to)) = days {
        let dated: Vec<SalesFactRow> = sf::table
            .filter(sf::source.eq("report"))
            .filter(sf::sold_on.between(from, to))
            .select(SalesFactRow::as_select())
            .load(conn)?;
        let known: HashSet<&String> = refs.iter().collect();
        let more: Vec<String> = dated
            .iter()
            .filter_map(|f| f.order_ref.clone())
            .filter(|r| !known.contains(r))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        facts.extend(dated.into_iter().map(|f| (f.id, f)));
        facts.extend(with_refs(conn, &more)?.into_iter().map(|f| (f.id, f)));
    }
    if facts.is_empty() {
        return Ok(());
    }
    let mut ledger = Ledger {
        complete_through: complete_through(conn)?,
        ..Ledger::default()
    };
    for f in facts.values() {
        ledger.add(&f.source, f.order_ref.as_ref(), f.id);
    }
    // The changes, grouped by the state they move to (one statement per group and chunk).
    let mut moves: HashMap<(Reconciliation, Option<Id>), Vec<Id>> = HashMap::new();
    for f in facts.values() {
        let (state, by) = ledger.decide(&f.source, f.order_ref.as_ref(), f.sold_on);
        if state.as_str() != f.reconciliation || by != f.superseded_by {
            moves.entry((state, by)).or_default().push(f.id);
        }
    }
    let mut changed: Vec<Id> = Vec::new();
    for ((state, by), ids) in moves {
        for chunk in ids.chunks(500) {
            diesel::update(sf::table.filter(sf::id.eq_any(chunk)))
                .set((
                    sf::reconciliation.eq(state.as_str()),
                    sf::superseded_by.eq(by),
                    sf::version.eq(sf::version + 1),
                    sf::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        changed.extend(ids);
    }
    if changed.is_empty() {
        return Ok(());
    }
    changed.sort();
    let mut rows = Vec::new();
    for chunk in changed.chunks(500) {
        rows.extend(
            sf::table
                .filter(sf::id.eq_any(chunk))
                .order(sf::id)
                .select(SalesFactRow::as_select())
                .load(conn)?,
        );
    }
    crate::events::changed_many(conn, now, "sales_fact.upserted", &rows).map(|_| ())
}
