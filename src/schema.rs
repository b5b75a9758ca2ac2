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

diesel::joinable!(users -> org_units (org_unit_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    org_units,
    users,
    refresh_tokens,
    login_failures,
    idempotency_keys,
    settings,
    server_secrets,
);
