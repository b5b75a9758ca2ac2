DROP TRIGGER refresh_tokens_callers_changed ON refresh_tokens;
DROP TRIGGER org_units_callers_changed ON org_units;
DROP TRIGGER users_callers_changed ON users;
DROP FUNCTION notify_callers_changed();
