//! Actuals of many targets at once, in a few queries: one per distinct (kind of fact, window,
//! category), grouped by salesperson and dealer, then rolled up over the org tree in memory.
//! A unit's actual is the sum over everyone whose unit is in its subtree, so a company target
//! is never zero because the facts belong to its people.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::model::Progress;
use crate::db::{DbConnection, Id};
use crate::schema::{
    customers, daily_reports, org_units, payment_facts, report_visits, sales_facts, users,
};
use crate::settings::model::{FactsSource, Settings};
use crate::targets::model::Target;
use crate::targets::period::Metric;
use crate::targets::rules::Assignee;
use crate::visits::reports::model::COUNTED;

/// Which stored facts a metric is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Family {
    Sales,
    Payments,
    Customers,
    /// Effective visits of submitted or reviewed daily reports (a dealer's count zero).
    Visits,
}

fn family(metric: Metric) -> Family {
    match metric {
        Metric::SalesAmount | Metric::GrossProfit => Family::Sales,
        Metric::Collections => Family::Payments,
        Metric::NewCustomers => Family::Customers,
        Metric::Visits => Family::Visits,
    }
}

/// One aggregate query: a kind of fact over a window of days, optionally one category.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Window {
    family: Family,
    from: NaiveDate,
    to: NaiveDate,
    category: Option<String>,
}

/// Sums of one window: (salesperson, dealer) -> (amount, gross profit).
type Sums = Vec<(Id, Option<Id>, i64, i64)>;

/// The fact sources that count for money under a setting.
pub fn sources(source: FactsSource) -> Vec<&'static str> {
    match source {
        FactsSource::Report => vec!["report"],
        FactsSource::Erp => vec!["erp"],
        FactsSource::Both => vec!["report", "erp"],
    }
}

fn load_window(conn: &mut DbConnection, w: &Window, source: FactsSource) -> QueryResult<Sums> {
    match w.family {
        Family::Sales => {
            let sums = (
                sales_facts::salesperson_id,
                sales_facts::dealer_id,
                sql::<BigInt>("CAST(COALESCE(SUM(revenue_minor), 0) AS BIGINT)"),
                sql::<BigInt>("CAST(COALESCE(SUM(revenue_minor - cost_minor), 0) AS BIGINT)"),
            );
            let q = sales_facts::table
                .filter(sales_facts::sold_on.between(w.from, w.to))
                .filter(sales_facts::source.eq_any(sources(source)));
            let by = (sales_facts::salesperson_id, sales_facts::dealer_id);
            match &w.category {
                Some(c) => q
                    .filter(sales_facts::category.eq(c.clone()))
                    .group_by(by)
                    .select(sums)
                    .load(conn),
                None => q.group_by(by).select(sums).load(conn),
            }
        }
        Family::Payments => payment_facts::table
            .filter(payment_facts::paid_on.between(w.from, w.to))
            .filter(payment_facts::source.eq_any(sources(source)))
            .group_by((payment_facts::salesperson_id, payment_facts::dealer_id))
            .select((
                payment_facts::salesperson_id,
                payment_facts::dealer_id,
                sql::<BigInt>("CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT)"),
                sql::<BigInt>("CAST(0 AS BIGINT)"),
            ))
            .load(conn),
        Family::Customers => {
            let rows: Vec<(Id, i64)> = customers::table
                .filter(customers::activated_on.between(w.from, w.to))
                .group_by(customers::owner_id)
                .select((
                    customers::owner_id,
                    sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
                ))
                .load(conn)?;
            Ok(rows.into_iter().map(|(u, n)| (u, None, n, 0)).collect())
        }
        Family::Visits => {
            let rows: Vec<(Id, i64)> = report_visits::table
                .inner_join(daily_reports::table)
                .filter(daily_reports::report_date.between(w.from, w.to))
                .filter(daily_reports::status.eq_any(COUNTED))
                .filter(report_visits::effective.eq(true))
                .group_by(daily_reports::owner_id)
                .select((
                    daily_reports::owner_id,
                    sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
                ))
                .load(conn)?;
            Ok(rows.into_iter().map(|(u, n)| (u, None, n, 0)).collect())
        }
    }
}

/// The org tree and who sits where, loaded once per request.
struct Tree {
    children: HashMap<Id, Vec<Id>>,
    unit_of: HashMap<Id, Id>,
}

impl Tree {
    fn load(conn: &mut DbConnection) -> QueryResult<Tree> {
        let units: Vec<(Id, Option<Id>)> = org_units::table
            .select((org_units::id, org_units::parent_id))
            .load(conn)?;
        let mut children: HashMap<Id, Vec<Id>> = HashMap::new();
        for (id, parent) in units {
            if let Some(p) = parent {
                children.entry(p).or_default().push(id);
            }
        }
        let unit_of = users::table
            .select((users::id, users::org_unit_id))
            .load::<(Id, Id)>(conn)?
            .into_iter()
            .collect();
        Ok(Tree { children, unit_of })
    }

    fn subtree(&self, root: Id) -> Vec<Id> {
        let mut out = vec![root];
        let mut i = 0;
        while i < out.len() {
            if let Some(kids) = self.children.get(&out[i]) {
                for k in kids {
                    if !out.contains(k) {
                        out.push(*k);
                    }
                }
            }
            i += 1;
        }
        out
    }
}

/// Per-window totals by person, by dealer and by the unit people sit in.
#[derive(Default)]
struct Totals {
    person: HashMap<Id, (i64, i64)>,
    dealer: HashMap<Id, (i64, i64)>,
    unit: HashMap<Id, (i64, i64)>,
}

fn add(map: &mut HashMap<Id, (i64, i64)>, key: Id, a: i64, b: i64) {
    let e = map.entry(key).or_insert((0, 0));
    e.0 = e.0.saturating_add(a);
    e.1 = e.1.saturating_add(b);
}

/// The actual of each target as of `as_of` (facts on or before it, inside the period).
pub fn actuals(
    conn: &mut DbConnection,
    targets: &[Target],
    as_of: NaiveDate,
    source: FactsSource,
) -> QueryResult<HashMap<Id, i64>> {
    let mut out = HashMap::new();
    let mut windows: HashMap<Window, Option<Totals>> = HashMap::new();
    let mut wanted = Vec::new();
    for t in targets {
        let fam = family(t.metric());
        if as_of < t.period_start {
            out.insert(t.id, 0);
            continue;
        }
        let w = Window {
            family: fam,
            from: t.period_start,
            to: t.period_end.min(as_of),
            // Only sales facts carry a category.
            category: if fam == Family::Sales {
                t.category.clone()
            } else {
                None
            },
        };
        windows.entry(w.clone()).or_insert(None);
        wanted.push((t, w));
    }
    if wanted.is_empty() {
        return Ok(out);
    }
    let tree = Tree::load(conn)?;
    for (w, totals) in windows.iter_mut() {
        let mut t = Totals::default();
        for (person, dealer, a, b) in load_window(conn, w, source)? {
            add(&mut t.person, person, a, b);
            if let Some(d) = dealer {
                add(&mut t.dealer, d, a, b);
            }
            if let Some(u) = tree.unit_of.get(&person) {
                add(&mut t.unit, *u, a, b);
            }
        }
        *totals = Some(t);
    }
    let mut subtrees: HashMap<Id, Vec<Id>> = HashMap::new();
    for (t, w) in wanted {
        let Some(Some(totals)) = windows.get(&w) else {
            continue;
        };
        let pick = |v: &(i64, i64)| {
            if t.metric() == Metric::GrossProfit {
                v.1
            } else {
                v.0
            }
        };
        let actual = match Assignee::of(t) {
            Assignee::User(u) => totals.person.get(&u).map(pick).unwrap_or(0),
            Assignee::Dealer(d) => totals.dealer.get(&d).map(pick).unwrap_or(0),
            Assignee::Unit(u) => {
                let units = subtrees.entry(u).or_insert_with(|| tree.subtree(u));
                units
                    .iter()
                    .filter_map(|x| totals.unit.get(x))
                    .map(pick)
                    .fold(0i64, i64::saturating_add)
            }
        };
        out.insert(t.id, actual);
    }
    Ok(out)
}

/// The progress of each target as of `as_of`, in the order given.
pub fn progress_of(
    conn: &mut DbConnection,
    targets: Vec<Target>,
    settings: &Settings,
    as_of: NaiveDate,
) -> QueryResult<Vec<Progress>> {
    let actual = actuals(conn, &targets, as_of, settings.money_facts_source)?;
    Ok(targets
        .into_iter()
        .map(|t| {
            let a = actual.get(&t.id).copied().unwrap_or(0);
            Progress::compute(t, a, as_of, settings)
        })
        .collect())
}
