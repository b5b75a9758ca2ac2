//! The salesperson's day (seed 3.1-3.3): a visit plan signed by a supervisor, a visit report
//! reviewed by one, the facts the report feeds, report timeliness and visit efficiency.

pub mod compliance;
pub mod demo;
pub mod efficiency;
pub mod missing;
pub mod plans;
pub mod reports;

use chrono::{DateTime, NaiveDate, TimeZone};
use chrono_tz::Tz;

use crate::auth::{Caller, Role};
use crate::db::Timestamp;
use crate::settings::model::Settings;

/// Declares a closed set of snake_case values with its schema and its stored text.
macro_rules! str_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value stored as `s`; the first value for anything unknown.
            pub fn parse(s: &str) -> $name {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).unwrap_or(Self::ALL[0])
            }
        }
    };
}
pub(crate) use str_enum;

/// `pub fn $name(conn, parent, rows, new_parent)`: replaces the rows of one parent (a plan, a
/// report) in a child table: the old ones go (unless the parent is new and has none), the new
/// ones come in 200 a statement.
macro_rules! replace_children {
    ($name:ident, $table:ident, $parent:ident, $row:ty) => {
        pub fn $name(
            conn: &mut DbConnection,
            parent: Id,
            rows: &[$row],
            new_parent: bool,
        ) -> QueryResult<()> {
            if !new_parent {
                diesel::delete($table::table.filter($table::$parent.eq(parent))).execute(conn)?;
            }
            for chunk in rows.chunks(200) {
                $crate::per_backend!(&mut *conn, |c| diesel::insert_into($table::table)
                    .values(chunk)
                    .execute(c))?;
            }
            Ok(())
        }
    };
}
pub(crate) use replace_children;

str_enum!(
    /// Why a visit is made.
    Purpose {
        NewCustomerDevelopment => "new_customer_development",
        MarketResearch => "market_research",
        Collection => "collection",
        Service => "service",
        ComplaintHandling => "complaint_handling",
        Ordering => "ordering",
        Other => "other",
    }
);

/// Roles that plan and report their own day.
pub const FIELD_ROLES: [Role; 2] = [Role::Salesperson, Role::Supervisor];

/// Roles that sign plans and review reports of the people below them.
pub const SIGNERS: [Role; 2] = [Role::Supervisor, Role::Manager];

/// Roles that read plans and reports (within reach). Executives read results only.
pub const READERS: [Role; 4] = [
    Role::Salesperson,
    Role::Supervisor,
    Role::Manager,
    Role::Admin,
];

/// Whether the caller signs for records of `owner`: a supervisor or manager whose reach covers
/// the owner's current unit (records follow the person, see `auth::Reach`), never the owner.
pub fn signs_for(
    conn: &mut crate::db::DbConnection,
    caller: &Caller,
    owner: crate::db::Id,
) -> diesel::QueryResult<bool> {
    if !SIGNERS.contains(&caller.role) || caller.user_id == owner {
        return Ok(false);
    }
    caller.reaches_person(conn, owner)
}

/// The business day of an instant, in the company time zone.
pub fn business_day(settings: &Settings, at: Timestamp) -> NaiveDate {
    at.0.with_timezone(&settings.tz()).date_naive()
}

/// The instant a day's report is due: the cutoff of that day in the company time zone.
pub fn report_due_at(settings: &Settings, day: NaiveDate) -> Timestamp {
    let tz: Tz = settings.tz();
    let local = day.and_time(settings.daily_cutoff());
    let due: DateTime<chrono::Utc> = match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.to_utc(),
        chrono::LocalResult::Ambiguous(t, _) => t.to_utc(),
        // A cutoff inside a DST gap: the first instant after it.
        chrono::LocalResult::None => tz
            .from_local_datetime(&(local + chrono::Duration::hours(1)))
            .earliest()
            .map(|t| t.to_utc())
            .unwrap_or_else(|| local.and_utc()),
    };
    Timestamp::from(due)
}

/// Working days from `from` to `to` inclusive, in order.
pub fn working_days(settings: &Settings, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    use chrono::Datelike;
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| settings.is_working_day(d.weekday()))
        .collect()
}

/// Great-circle distance in metres.
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const R: f64 = 6_371_000.0;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * R * a.sqrt().atan2((1.0 - a).sqrt())
}

/// Every route of the area; the compliance view before `/daily-reports/{id}`.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(plans::api::routes)
        .service(compliance::daily_report_compliance)
        .configure(reports::api::routes)
        .service(efficiency::get_efficiency);
}
