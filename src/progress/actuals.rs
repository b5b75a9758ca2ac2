//! Actuals of many targets at once, in a few queries: one per distinct (kind of fact, window,
//! category), grouped by salesperson and dealer (money from the fact sums of [`super::sums`]),
//! then rolled up over the org tree in memory.
//! A unit's actual is the sum over everyone whose unit is in its subtree, so a company target
//! is never zero because the facts belong to its people.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::model::{ActualSources, Progress};
use super::sums::{self, Sum, Sums};
use crate::db::{DbConnection, Id, MultiBackend, Timestamp};
use crate::facts::reconcile::{self, counted_sales, payment_sources};
use crate::schema::{customers, daily_reports, org_units, users};
use crate::settings::model::{FactsSource, Settings};
use crate::targets::model::Target;
use crate::targets::period::{Metric, PeriodType};
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

/// The sums of one window, of `people` only when given (else of everyone).
fn load_window(
    conn: &mut DbConnection,
    w: &Window,
    source: FactsSource,
    people: Option<&[Id]>,
) -> QueryResult<Sums> {
    let count = |rows: Vec<(Id, i64)>| -> Sums {
        rows.into_iter()
            .map(|(u, n)| {
                (
                    u,
                    None,
                    Sum {
                        amount: n,
                        ..Sum::default()
                    },
                )
            })
            .collect()
    };
    match w.family {
        Family::Sales => sums::sales(
            conn,
            w.from,
            w.to,
            &counted_sales(source),
            w.category.as_deref(),
            people,
        ),
        Family::Payments => sums::payments(conn, w.from, w.to, &payment_sources(source), people),
        Family::Customers => {
            let mut q = customers::table
                .filter(customers::activated_on.between(w.from, w.to))
                .group_by(customers::owner_id)
                .select((
                    customers::owner_id,
                    sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
                ))
                .into_boxed::<MultiBackend>();
            if let Some(p) = people {
                q = q.filter(customers::owner_id.eq_any(p.to_vec()));
            }
            Ok(count(q.load(conn)?))
        }
        Family::Visits => {
            // The effective visits kept on each report, never the visits themselves.
            let mut q = daily_reports::table
                .filter(daily_reports::report_date.between(w.from, w.to))
                .filter(daily_reports::status.eq_any(COUNTED))
                .filter(daily_reports::effective_visit_count.gt(0))
                .group_by(daily_reports::owner_id)
                .select((
                    daily_reports::owner_id,
                    sql::<BigInt>("CAST(SUM(effective_visit_count) AS BIGINT)"),
                ))
                .into_boxed::<MultiBackend>();
            if let Some(p) = people {
                q = q.filter(daily_reports::owner_id.eq_any(p.to_vec()));
            }
            Ok(count(q.load(conn)?))
        }
    }
}

/// Above this many people, a window is summed for everyone (one pass over the sums) rather
/// than looked up person by person.
const FEW_PEOPLE: usize = 500;

/// The org tree and who sits where, loaded once per request.
pub struct Tree {
    children: HashMap<Id, Vec<Id>>,
    unit_of: HashMap<Id, Id>,
}

impl Tree {
    /// Every unit and every user's current unit, in two queries.
    pub fn load(conn: &mut DbConnection) -> QueryResult<Tree> {
        let units: Vec<(Id, Option<Id>)> = org_units::table
            .select((org_units::id, org_units::parent_id))
            .load(conn)?;
        let mut children: HashMap<Id, Vec<Id>> = HashMap::new();
        for (id, parent) in units {
            if let Some(p) = parent {
                children.entry(p).or_default().push(id);
            }
        }
        for kids in children.values_mut() {
            kids.sort();
        }
        let unit_of = users::table
            .select((users::id, users::org_unit_id))
            .load::<(Id, Id)>(conn)?
            .into_iter()
            .collect();
        Ok(Tree { children, unit_of })
    }

    /// `root` and every unit below it, `root` first.
    pub fn subtree(&self, root: Id) -> Vec<Id> {
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

    /// The units directly below `unit`, by id.
    pub fn children(&self, unit: Id) -> &[Id] {
        self.children.get(&unit).map_or(&[], Vec::as_slice)
    }

    /// The current unit of a user.
    pub fn unit_of(&self, user: Id) -> Option<Id> {
        self.unit_of.get(&user).copied()
    }

    /// The people whose actuals `targets` add up: each assigned person, everyone in an
    /// assigned unit's subtree; `None` when that is many people, or a dealer's (whose facts
    /// any salesperson may have recorded).
    fn people_of(&self, targets: &[&Target]) -> Option<Vec<Id>> {
        let mut units: HashSet<Id> = HashSet::new();
        let mut people: HashSet<Id> = HashSet::new();
        for t in targets {
            match Assignee::of(t) {
                Assignee::User(u) => {
                    people.insert(u);
                }
                Assignee::Dealer(_) => return None,
                Assignee::Unit(u) => units.extend(self.subtree(u)),
            }
        }
        if !units.is_empty() {
            people.extend(
                self.unit_of
                    .iter()
                    .filter(|(_, u)| units.contains(u))
                    .map(|(p, _)| *p),
            );
        }
        let mut people: Vec<Id> = people.into_iter().collect();
        people.sort();
        (people.len() <= FEW_PEOPLE).then_some(people)
    }
}

/// A target that only exists to ask [`actuals`] for a window of a unit's subtree: value 0, no
/// category, no parent.
pub fn probe(unit: Id, metric: Metric, kind: PeriodType, from: NaiveDate, to: NaiveDate) -> Target {
    let epoch = Timestamp(DateTime::<Utc>::UNIX_EPOCH);
    Target {
        id: Id::new(),
        metric: metric.as_str().into(),
        period_type: kind.as_str().into(),
        period_start: from,
        period_end: to,
        value: 0,
        unit_id: Some(unit),
        user_id: None,
        dealer_id: None,
        category: None,
        parent_id: None,
        created_by: unit,
        version: 0,
        created_at: epoch,
        updated_at: epoch,
    }
}

/// Per-window totals by person, by dealer and by the unit people sit in.
#[derive(Default)]
struct Totals {
    person: HashMap<Id, Sum>,
    dealer: HashMap<Id, Sum>,
    unit: HashMap<Id, Sum>,
}

fn add(map: &mut HashMap<Id, Sum>, key: Id, s: Sum) {
    map.entry(key).or_default().add(s);
}

/// The actual of a target and the part of it the ERP stands behind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Actual {
    pub value: i64,
    pub erp_confirmed: i64,
}

/// The actual of each target as of `as_of` (facts on or before it, inside the period).
pub fn actuals(
    conn: &mut DbConnection,
    targets: &[Target],
    as_of: NaiveDate,
    source: FactsSource,
) -> QueryResult<HashMap<Id, i64>> {
    Ok(actuals_with_sources(conn, targets, as_of, source)?
        .into_iter()
        .map(|(id, a)| (id, a.value))
        .collect())
}

/// [`actuals`] with the part of each the ERP stands behind.
pub fn actuals_with_sources(
    conn: &mut DbConnection,
    targets: &[Target],
    as_of: NaiveDate,
    source: FactsSource,
) -> QueryResult<HashMap<Id, Actual>> {
    let mut out = HashMap::new();
    let mut windows: HashMap<Window, Option<Totals>> = HashMap::new();
    let mut wanted = Vec::new();
    for t in targets {
        let fam = family(t.metric());
        if as_of < t.period_start {
            out.insert(t.id, Actual::default());
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
    let all: Vec<&Target> = wanted.iter().map(|(t, _)| *t).collect();
    let people = tree.people_of(&all);
    for (w, totals) in windows.iter_mut() {
        let mut t = Totals::default();
        for (person, dealer, sum) in load_window(conn, w, source, people.as_deref())? {
            add(&mut t.person, person, sum);
            if let Some(d) = dealer {
                add(&mut t.dealer, d, sum);
            }
            if let Some(u) = tree.unit_of(person) {
                add(&mut t.unit, u, sum);
            }
        }
        *totals = Some(t);
    }
    let mut subtrees: HashMap<Id, Vec<Id>> = HashMap::new();
    for (t, w) in wanted {
        let Some(Some(totals)) = windows.get(&w) else {
            continue;
        };
        let sum = match Assignee::of(t) {
            Assignee::User(u) => totals.person.get(&u).copied().unwrap_or_default(),
            Assignee::Dealer(d) => totals.dealer.get(&d).copied().unwrap_or_default(),
            Assignee::Unit(u) => {
                let units = subtrees.entry(u).or_insert_with(|| tree.subtree(u));
                let mut sum = Sum::default();
                for s in units.iter().filter_map(|x| totals.unit.get(x)) {
                    sum.add(*s);
                }
                sum
            }
        };
        let actual = if t.metric() == Metric::GrossProfit {
            Actual {
                value: sum.profit,
                erp_confirmed: sum.profit_erp,
            }
        } else {
            Actual {
                value: sum.amount,
                erp_confirmed: sum.amount_erp,
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
    let actual = actuals_with_sources(conn, &targets, as_of, settings.money_facts_source)?;
    let complete = match targets.iter().any(|t| t.metric().is_money()) {
        true => reconcile::complete_through(conn)?,
        false => None,
    };
    Ok(targets
        .into_iter()
        .map(|t| {
            let a = actual.get(&t.id).copied().unwrap_or_default();
            let money = t.metric().is_money();
            let mut p = Progress::compute(t, a.value, as_of, settings);
            p.sources = money.then_some(ActualSources {
                erp_confirmed: a.erp_confirmed,
                reported_only: a.value.saturating_sub(a.erp_confirmed),
                erp_complete_through: complete,
            });
            p
        })
        .collect())
}
