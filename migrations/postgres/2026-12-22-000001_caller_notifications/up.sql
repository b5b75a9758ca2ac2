-- Every statement that can change a request's caller (src/auth/caller.rs: the user's role,
-- unit, active flag and token version; the units they manage and their subtrees; whether
-- their session is open) notifies the channel salestrack_callers. PostgreSQL delivers the
-- notification when the transaction commits, to every instance, and each forgets the callers
-- it remembers (src/auth/callers.rs).

CREATE FUNCTION notify_callers_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('salestrack_callers', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER users_callers_changed
    AFTER UPDATE OF role, org_unit_id, active, token_version OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_callers_changed();

CREATE TRIGGER org_units_callers_changed
    AFTER INSERT OR UPDATE OF parent_id, manager_id OR DELETE ON org_units
    FOR EACH STATEMENT EXECUTE FUNCTION notify_callers_changed();

CREATE TRIGGER refresh_tokens_callers_changed
    AFTER UPDATE OF revoked_at OR DELETE ON refresh_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_callers_changed();
