-- The change feed (SQLite): as on PostgreSQL, but the order of insertion is the table's rowid
-- (one writer at a time, so it is also commit order). See docs/changes.md.
ALTER TABLE outbox_events ADD COLUMN position INTEGER;
ALTER TABLE outbox_events ADD COLUMN change TEXT CHECK (change IN ('upsert', 'delete'));
ALTER TABLE outbox_events ADD COLUMN version INTEGER;
ALTER TABLE outbox_events ADD COLUMN owner_id TEXT;
ALTER TABLE outbox_events ADD COLUMN unit_id TEXT;
ALTER TABLE outbox_events ADD COLUMN dealer_id TEXT;
CREATE UNIQUE INDEX outbox_events_position_key ON outbox_events (position);
CREATE INDEX outbox_events_unsequenced_idx ON outbox_events (position) WHERE position IS NULL;
CREATE INDEX outbox_events_created_idx ON outbox_events (created_at);

CREATE TABLE change_feed_state (
    id              INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    pruned_through  INTEGER NOT NULL
);
INSERT INTO change_feed_state (id, pruned_through) VALUES (1, 0);

ALTER TABLE users ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX users_external_id_key ON users (external_id) WHERE external_id IS NOT NULL;

-- Facts carry a version like every other mirrored resource (a feed entry states it).
ALTER TABLE sales_facts ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE payment_facts ADD COLUMN version bigint NOT NULL DEFAULT 1;

-- Further people who read an entry besides its owner: `reached` ones like an owner, through
-- their current unit (the salespeople of a coaching session); the others themselves only (a
-- complaint's assignee, a meeting's attendees).
CREATE TABLE outbox_event_people (
    event_id   TEXT NOT NULL,
    person_id  TEXT NOT NULL,
    reached    BOOLEAN NOT NULL,
    PRIMARY KEY (event_id, person_id)
);
CREATE INDEX outbox_event_people_person_idx ON outbox_event_people (person_id);
