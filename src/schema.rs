//! Diesel table definitions, one set for both backends (see `db::types` for `Uid` and `Tstz`).

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    org_units (id) {
        id -> Uid,
        name -> Text,
        code -> Nullable<Text>,
        parent_id -> Nullable<Uid>,
        manager_id -> Nullable<Uid>,
        version -> BigInt,
        created_at -> Tstz,
        updated_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    users (id) {
        id -> Uid,
        email -> Text,
        email_normalized -> Text,
        name -> Text,
        role -> Text,
        org_unit_id -> Uid,
        hired_on -> Nullable<Date>,
        active -> Bool,
        password_hash -> Text,
        token_version -> BigInt,
        version -> BigInt,
        created_at -> Tstz,
        updated_at -> Tstz,
        /// The dealer a `dealer` user acts for (migration 000002_targets).
        dealer_id -> Nullable<Uid>,
        /// The id of the user in the ERP or HR system (migration 000008_changes).
        external_id -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    refresh_tokens (id) {
        id -> Uid,
        user_id -> Uid,
        family_id -> Uid,
        token_hash -> Text,
        expires_at -> Tstz,
        used_at -> Nullable<Tstz>,
        revoked_at -> Nullable<Tstz>,
        created_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    login_failures (id) {
        id -> Uid,
        throttle_key -> Text,
        failed_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    idempotency_keys (user_id, idem_key) {
        user_id -> Uid,
        idem_key -> Text,
        request_hash -> Text,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        response_headers -> Nullable<Text>,
        created_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::Tstz;

    settings (id) {
        id -> Integer,
        data -> Text,
        version -> BigInt,
        updated_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::Tstz;

    server_secrets (name) {
        name -> Text,
        value -> Text,
        created_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    dealers (id) {
        id -> Uid,
        code -> Text,
        name -> Text,
        org_unit_id -> Uid,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Tstz>,
        version -> BigInt,
        created_at -> Tstz,
        updated_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    customers (id) {
        id -> Uid,
        code -> Text,
        name -> Text,
        kind -> Nullable<Text>,
        org_unit_id -> Uid,
        owner_id -> Uid,
        status -> Text,
        activated_on -> Nullable<Date>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Tstz>,
        version -> BigInt,
        created_at -> Tstz,
        updated_at -> Tstz,
        /// Migration 000010_orders_call_cycles: the call cycle.
        visit_every_weeks -> Nullable<Integer>,
        visits_per_month -> Nullable<Integer>,
        preferred_visit_day -> Nullable<Text>,
        preferred_visit_from -> Nullable<Text>,
        preferred_visit_to -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    products (id) {
        id -> Uid,
        sku -> Text,
        name -> Text,
        category -> Text,
        list_price_minor -> Nullable<BigInt>,
        unit_cost_minor -> Nullable<BigInt>,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Tstz>,
        version -> BigInt,
        created_at -> Tstz,
        updated_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    competitors (id) {
        id -> Uid,
        name -> Text,
        notes -> Nullable<Text>,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Tstz>,
        version -> BigInt,
        created_at -> Tstz,
        updated_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    targets (id) {
        id -> Uid,
        metric -> Text,
        period_type -> Text,
        period_start -> Date,
        period_end -> Date,
        value -> BigInt,
        unit_id -> Nullable<Uid>,
        user_id -> Nullable<Uid>,
        dealer_id -> Nullable<Uid>,
        category -> Nullable<Text>,
        parent_id -> Nullable<Uid>,
        created_by -> Uid,
        version -> BigInt,
        created_at -> Tstz,
        updated_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    sales_facts (id) {
        id -> Uid,
        external_id -> Nullable<Text>,
        sold_on -> Date,
        salesperson_id -> Uid,
        dealer_id -> Nullable<Uid>,
        customer_id -> Nullable<Uid>,
        product_id -> Nullable<Uid>,
        category -> Nullable<Text>,
        revenue_minor -> BigInt,
        cost_minor -> BigInt,
        source -> Text,
        created_at -> Tstz,
        updated_at -> Tstz,
        /// Migration 000008_changes.
        version -> BigInt,
        /// Migration 000010_orders_call_cycles: reconciliation by order reference.
        order_ref -> Nullable<Text>,
        quantity -> Nullable<BigInt>,
        reconciliation -> Text,
        superseded_by -> Nullable<Uid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    payment_facts (id) {
        id -> Uid,
        external_id -> Nullable<Text>,
        paid_on -> Date,
        salesperson_id -> Uid,
        dealer_id -> Nullable<Uid>,
        customer_id -> Nullable<Uid>,
        amount_minor -> BigInt,
        source -> Text,
        created_at -> Tstz,
        updated_at -> Tstz,
        /// Migration 000008_changes.
        version -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::Uid;

    /// Migration 000001_fact_sums (2026-12-20): sums of sales facts per day and per month and
    /// reconciliation state, kept by triggers.
    sales_fact_sums (grain, period_start, salesperson_id, dealer_key, category, reconciliation) {
        grain -> Text,
        period_start -> Date,
        salesperson_id -> Uid,
        dealer_key -> Uid,
        category -> Text,
        reconciliation -> Text,
        revenue_minor -> BigInt,
        profit_minor -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::Uid;

    /// Migration 000001_fact_sums (2026-12-20): sums of payment facts per day and per month.
    payment_fact_sums (grain, period_start, salesperson_id, dealer_key, source) {
        grain -> Text,
        period_start -> Date,
        salesperson_id -> Uid,
        dealer_key -> Uid,
        source -> Text,
        amount_minor -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::Uid;

    /// Migration 2026-12-23-000003_customer_fact_sums: kept by triggers on `sales_facts`.
    customer_sales_sums (grain, period_start, customer_id, reconciliation) {
        grain -> Text,
        period_start -> Date,
        customer_id -> Uid,
        reconciliation -> Text,
        revenue_minor -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::Uid;

    /// Migration 2026-12-23-000003_customer_fact_sums: kept by triggers on `payment_facts`.
    customer_payment_sums (grain, period_start, customer_id, source) {
        grain -> Text,
        period_start -> Date,
        customer_id -> Uid,
        source -> Text,
        amount_minor -> BigInt,
    }
}

diesel::joinable!(users -> org_units (org_unit_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(dealers -> org_units (org_unit_id));
diesel::joinable!(customers -> org_units (org_unit_id));
diesel::joinable!(customers -> users (owner_id));
diesel::joinable!(sales_facts -> users (salesperson_id));
diesel::joinable!(payment_facts -> users (salesperson_id));

diesel::allow_tables_to_appear_in_same_query!(
    org_units,
    users,
    refresh_tokens,
    login_failures,
    idempotency_keys,
    settings,
    server_secrets,
    dealers,
    customers,
    products,
    competitors,
    targets,
    sales_facts,
    payment_facts,
    sales_fact_sums,
    payment_fact_sums,
    customer_sales_sums,
    customer_payment_sums,
);

// --- Market reports, complaints, escalation, notifications, outbox and webhooks ---

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    market_reports (id) {
        id -> Uid,
        reporter_id -> Uid,
        org_unit_id -> Uid,
        category -> Text,
        severity -> Text,
        title -> Text,
        description -> Text,
        daily_report_id -> Nullable<Uid>,
        status -> Text,
        acknowledged_by -> Nullable<Uid>,
        acknowledged_at -> Nullable<Tstz>,
        closed_by -> Nullable<Uid>,
        closed_at -> Nullable<Tstz>,
        escalation_level -> Integer,
        next_escalation_at -> Nullable<Tstz>,
        version -> BigInt,
        created_at -> Tstz,
        updated_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::Uid;

    market_report_links (market_report_id, link_type, linked_id) {
        market_report_id -> Uid,
        link_type -> Text,
        linked_id -> Uid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    complaints (id) {
        id -> Uid,
        reporter_id -> Uid,
        org_unit_id -> Uid,
        customer_id -> Uid,
        product_id -> Nullable<Uid>,
        title -> Text,
        description -> Text,
        severity -> Text,
        received_at -> Tstz,
        assignee_id -> Uid,
        status -> Text,
        resolution -> Nullable<Text>,
        resolution_due_at -> Tstz,
        acknowledged_by -> Nullable<Uid>,
        acknowledged_at -> Nullable<Tstz>,
        resolved_at -> Nullable<Tstz>,
        closed_at -> Nullable<Tstz>,
        overdue_notified_at -> Nullable<Tstz>,
        escalation_level -> Integer,
        next_escalation_at -> Nullable<Tstz>,
        version -> BigInt,
        created_at -> Tstz,
        updated_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    escalations (id) {
        id -> Uid,
        item_type -> Text,
        item_id -> Uid,
        level -> Integer,
        escalated_to -> Uid,
        reason -> Text,
        created_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    notifications (id) {
        id -> Uid,
        user_id -> Uid,
        event_id -> Uid,
        event_type -> Text,
        title -> Text,
        resource_type -> Text,
        resource_id -> Uid,
        read_at -> Nullable<Tstz>,
        created_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    outbox_events (id) {
        id -> Uid,
        event_type -> Text,
        resource_type -> Text,
        resource_id -> Uid,
        payload -> Text,
        created_at -> Tstz,
        /// The entry's place in the change feed, given after commit (migration 000008_changes).
        position -> Nullable<BigInt>,
        /// `upsert` or `delete` for a feed entry; null for an event that changes no resource.
        change -> Nullable<Text>,
        version -> Nullable<BigInt>,
        owner_id -> Nullable<Uid>,
        unit_id -> Nullable<Uid>,
        dealer_id -> Nullable<Uid>,
    }
}

diesel::table! {
    change_feed_state (id) {
        id -> Integer,
        pruned_through -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    webhooks (id) {
        id -> Uid,
        url -> Text,
        secret -> Text,
        event_types -> Text,
        active -> Bool,
        created_by -> Uid,
        version -> BigInt,
        created_at -> Tstz,
        updated_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    webhook_deliveries (id) {
        id -> Uid,
        webhook_id -> Uid,
        event_id -> Uid,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Tstz,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Tstz>,
        created_at -> Tstz,
        updated_at -> Tstz,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> outbox_events (event_id));

diesel::allow_tables_to_appear_in_same_query!(
    market_reports,
    market_report_links,
    complaints,
    escalations,
    notifications,
    outbox_events,
    webhooks,
    webhook_deliveries,
);

// --- Daily visit plans and daily visit reports (migration 000003_visits) ---

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    visit_plans (id) {
        id -> Uid,
        owner_id -> Uid,
        org_unit_id -> Uid,
        plan_date -> Date,
        status -> Text,
        notes -> Nullable<Text>,
        submitted_at -> Nullable<Tstz>,
        approved_by -> Nullable<Uid>,
        approved_at -> Nullable<Tstz>,
        returned_by -> Nullable<Uid>,
        returned_at -> Nullable<Tstz>,
        return_comment -> Nullable<Text>,
        version -> BigInt,
        created_at -> Tstz,
        updated_at -> Tstz,
        /// Migration 2026-12-23-000004_plan_counts: kept by triggers on its planned visits.
        visit_count -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    planned_visits (id) {
        id -> Uid,
        plan_id -> Uid,
        position -> Integer,
        customer_id -> Nullable<Uid>,
        prospect_name -> Nullable<Text>,
        area -> Nullable<Text>,
        planned_start -> Nullable<Tstz>,
        planned_end -> Nullable<Tstz>,
        purpose -> Text,
        expected_result -> Nullable<Text>,
        notes -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    daily_reports (id) {
        id -> Uid,
        owner_id -> Uid,
        org_unit_id -> Uid,
        report_date -> Date,
        attendance -> Text,
        status -> Text,
        experience_notes -> Nullable<Text>,
        tomorrow_focus -> Nullable<Text>,
        first_submitted_at -> Nullable<Tstz>,
        submitted_at -> Nullable<Tstz>,
        late -> Bool,
        reviewed_by -> Nullable<Uid>,
        reviewed_at -> Nullable<Tstz>,
        review_comment -> Nullable<Text>,
        quality_score -> Nullable<Integer>,
        returned_by -> Nullable<Uid>,
        returned_at -> Nullable<Tstz>,
        return_comment -> Nullable<Text>,
        version -> BigInt,
        created_at -> Tstz,
        updated_at -> Tstz,
        /// Migration 2026-12-23-000001_report_counts: kept by triggers on the report's visits
        /// and expenses.
        visit_count -> BigInt,
        effective_visit_count -> BigInt,
        order_visit_count -> BigInt,
        planned_visit_count -> BigInt,
        expenses_minor -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    report_visits (id) {
        id -> Uid,
        report_id -> Uid,
        position -> Integer,
        customer_id -> Uid,
        planned_visit_id -> Nullable<Uid>,
        started_at -> Tstz,
        ended_at -> Tstz,
        purpose -> Text,
        outcome -> Text,
        effective -> Bool,
        order_amount_minor -> BigInt,
        collected_amount_minor -> BigInt,
        complaint_handled -> Bool,
        opinions -> Nullable<Text>,
        developments -> Nullable<Text>,
        checkin_lat -> Nullable<Double>,
        checkin_lon -> Nullable<Double>,
        checkin_accuracy_m -> Nullable<Double>,
        checkin_distance_m -> Nullable<Double>,
        checkin_out_of_range -> Nullable<Bool>,
        activated_customer -> Bool,
        /// Migration 000010_orders_call_cycles.
        order_ref -> Nullable<Text>,
        /// Migration 2026-12-21-000001_promotions.
        promotion_id -> Nullable<Uid>,
        promotion_spend_minor -> BigInt,
        /// Migration 2026-12-23-000002_visit_days: the report's day, and whether the report
        /// counts (submitted or reviewed), kept by triggers.
        report_date -> Nullable<Date>,
        counted -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::Uid;

    report_expenses (id) {
        id -> Uid,
        report_id -> Uid,
        position -> Integer,
        category -> Text,
        amount_minor -> BigInt,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::Uid;

    report_competitor_infos (id) {
        id -> Uid,
        report_id -> Uid,
        position -> Integer,
        competitor_id -> Uid,
        customer_id -> Nullable<Uid>,
        observation -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    daily_report_missing_notices (user_id, report_date) {
        user_id -> Uid,
        report_date -> Date,
        notified_id -> Nullable<Uid>,
        created_at -> Tstz,
    }
}

diesel::joinable!(planned_visits -> visit_plans (plan_id));
diesel::joinable!(report_visits -> daily_reports (report_id));
diesel::joinable!(report_expenses -> daily_reports (report_id));
diesel::joinable!(report_competitor_infos -> daily_reports (report_id));

diesel::allow_tables_to_appear_in_same_query!(
    visit_plans,
    planned_visits,
    daily_reports,
    report_visits,
    report_expenses,
    report_competitor_infos,
    daily_report_missing_notices,
);

// --- Meetings and coaching ---

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    meetings (id) {
        id -> Uid,
        meeting_type -> Text,
        org_unit_id -> Uid,
        organiser_id -> Uid,
        starts_at -> Tstz,
        ends_at -> Nullable<Tstz>,
        agenda -> Text,
        minutes -> Nullable<Text>,
        version -> BigInt,
        created_at -> Tstz,
        updated_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    meeting_attendees (meeting_id, user_id) {
        meeting_id -> Uid,
        user_id -> Uid,
        attendance -> Text,
        remote_did -> Nullable<Text>,
        remote_needs -> Nullable<Text>,
        reported_at -> Nullable<Tstz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    coaching_sessions (id) {
        id -> Uid,
        coach_id -> Uid,
        kind -> Text,
        held_on -> Date,
        topic -> Text,
        notes -> Text,
        follow_up_on -> Nullable<Date>,
        version -> BigInt,
        created_at -> Tstz,
        updated_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::Uid;

    coaching_participants (session_id, user_id) {
        session_id -> Uid,
        user_id -> Uid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    coaching_action_items (id) {
        id -> Uid,
        session_id -> Uid,
        description -> Text,
        owner_id -> Uid,
        due_on -> Date,
        done_at -> Nullable<Tstz>,
    }
}

diesel::joinable!(meeting_attendees -> meetings (meeting_id));
diesel::joinable!(coaching_participants -> coaching_sessions (session_id));
diesel::joinable!(coaching_action_items -> coaching_sessions (session_id));

diesel::allow_tables_to_appear_in_same_query!(
    meetings,
    meeting_attendees,
    coaching_sessions,
    coaching_participants,
    coaching_action_items,
);

diesel::allow_tables_to_appear_in_same_query!(coaching_participants, users);
diesel::allow_tables_to_appear_in_same_query!(coaching_sessions, users);

// Personal records are reached through their owner's current unit (a subquery on users).
diesel::allow_tables_to_appear_in_same_query!(visit_plans, users);
diesel::allow_tables_to_appear_in_same_query!(daily_reports, users);
diesel::allow_tables_to_appear_in_same_query!(market_reports, users);
diesel::allow_tables_to_appear_in_same_query!(complaints, users);

// --- Weekly progress reports (migration 000006_weekly) ---

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    weekly_reports (id) {
        id -> Uid,
        org_unit_id -> Uid,
        iso_week -> Text,
        week_start -> Date,
        week_end -> Date,
        author_id -> Uid,
        status -> Text,
        figures -> Text,
        figures_at -> Tstz,
        competitor_dynamics -> Nullable<Text>,
        abnormal_customer_handling -> Nullable<Text>,
        next_week_goals -> Nullable<Text>,
        next_week_plans -> Nullable<Text>,
        due_at -> Tstz,
        first_submitted_at -> Nullable<Tstz>,
        submitted_at -> Nullable<Tstz>,
        late -> Bool,
        reviewed_by -> Nullable<Uid>,
        reviewed_at -> Nullable<Tstz>,
        review_comment -> Nullable<Text>,
        returned_by -> Nullable<Uid>,
        returned_at -> Nullable<Tstz>,
        return_comment -> Nullable<Text>,
        version -> BigInt,
        created_at -> Tstz,
        updated_at -> Tstz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(weekly_reports, org_units);

// --- Missing weekly reports (migration 000007_weekly_missing) ---

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    weekly_report_missing_notices (org_unit_id, week_start) {
        org_unit_id -> Uid,
        week_start -> Date,
        created_at -> Tstz,
    }
}

// --- The change feed (migration 000008_changes) ---

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::Uid;

    outbox_event_people (event_id, person_id) {
        event_id -> Uid,
        person_id -> Uid,
        reached -> Bool,
    }
}

diesel::allow_tables_to_appear_in_same_query!(outbox_events, outbox_event_people);
diesel::allow_tables_to_appear_in_same_query!(outbox_event_people, users);

diesel::allow_tables_to_appear_in_same_query!(outbox_events, users);
diesel::allow_tables_to_appear_in_same_query!(outbox_events, dealers);

// --- Anomalies and target status notifications (migration 000009_anomalies) ---

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    target_statuses (target_id) {
        target_id -> Uid,
        status -> Text,
        since -> Tstz,
        updated_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::Tstz;

    job_runs (name) {
        name -> Text,
        next_run_at -> Tstz,
    }
}

diesel::joinable!(target_statuses -> targets (target_id));
diesel::allow_tables_to_appear_in_same_query!(target_statuses, targets);
// Visits per customer (anomalies: customers not visited).
diesel::allow_tables_to_appear_in_same_query!(report_visits, customers);
diesel::allow_tables_to_appear_in_same_query!(daily_reports, customers);
diesel::allow_tables_to_appear_in_same_query!(report_visits, users);

// --- Orders by product, reconciliation and call cycles (migration 000010_orders_call_cycles) ---

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::Uid;

    report_order_lines (id) {
        id -> Uid,
        report_id -> Uid,
        visit_id -> Uid,
        position -> Integer,
        product_id -> Uid,
        quantity -> BigInt,
        unit_price_minor -> BigInt,
        line_amount_minor -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::Tstz;

    erp_periods (kind) {
        kind -> Text,
        complete_through -> Date,
        updated_at -> Tstz,
    }
}

diesel::joinable!(report_order_lines -> report_visits (visit_id));
diesel::joinable!(report_order_lines -> products (product_id));
diesel::allow_tables_to_appear_in_same_query!(report_order_lines, report_visits);
diesel::allow_tables_to_appear_in_same_query!(report_order_lines, products);

// --- Promotions (migration 2026-12-21-000001_promotions) ---

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    promotions (id) {
        id -> Uid,
        name -> Text,
        kind -> Text,
        description -> Nullable<Text>,
        org_unit_id -> Uid,
        starts_on -> Date,
        ends_on -> Date,
        budget_minor -> BigInt,
        expected_uplift_pct -> Double,
        status -> Text,
        created_by -> Uid,
        approved_by -> Nullable<Uid>,
        approved_at -> Nullable<Tstz>,
        started_at -> Nullable<Tstz>,
        completed_at -> Nullable<Tstz>,
        cancelled_by -> Nullable<Uid>,
        cancelled_at -> Nullable<Tstz>,
        cancel_reason -> Nullable<Text>,
        version -> BigInt,
        created_at -> Tstz,
        updated_at -> Tstz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::Uid;

    promotion_links (promotion_id, link_type, linked_id) {
        promotion_id -> Uid,
        link_type -> Text,
        linked_id -> Uid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::Uid;

    promotion_categories (promotion_id, category) {
        promotion_id -> Uid,
        category -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{Tstz, Uid};

    promotion_cost_facts (id) {
        id -> Uid,
        external_id -> Nullable<Text>,
        promotion_id -> Uid,
        org_unit_id -> Uid,
        spent_on -> Date,
        salesperson_id -> Nullable<Uid>,
        dealer_id -> Nullable<Uid>,
        customer_id -> Nullable<Uid>,
        amount_minor -> BigInt,
        note -> Nullable<Text>,
        source -> Text,
        created_at -> Tstz,
        updated_at -> Tstz,
        version -> BigInt,
    }
}

diesel::joinable!(promotion_links -> promotions (promotion_id));
diesel::joinable!(promotion_categories -> promotions (promotion_id));
diesel::joinable!(promotion_cost_facts -> promotions (promotion_id));
diesel::allow_tables_to_appear_in_same_query!(
    promotions,
    promotion_links,
    promotion_categories,
    promotion_cost_facts,
);
// Executions of a promotion: the visits of counted daily reports that name it.
diesel::allow_tables_to_appear_in_same_query!(promotions, report_visits);
diesel::allow_tables_to_appear_in_same_query!(promotions, daily_reports);
// Cost facts of the people in reach.
diesel::allow_tables_to_appear_in_same_query!(promotion_cost_facts, users);

diesel::joinable!(customer_sales_sums -> customers (customer_id));
diesel::joinable!(customer_payment_sums -> customers (customer_id));
