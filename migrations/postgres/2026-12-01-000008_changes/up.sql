-- The change feed: every outbox event that creates, changes, archives or deletes a resource an
-- integrator mirrors is also a feed entry. `position` is given after commit, in commit order,
-- by the sequencer (src/changes/sequencer.rs); `seq` is the order of insertion, which the
-- sequencer follows. See docs/changes.md.
ALTER TABLE outbox_events ADD COLUMN seq bigserial;
ALTER TABLE outbox_events ADD COLUMN position bigint;
ALTER TABLE outbox_events ADD COLUMN change text CHECK (change IN ('upsert', 'delete'));
ALTER TABLE outbox_events ADD COLUMN version bigint;
-- Who may read the entry: the person whose record it is (reached through their current unit),
-- the unit it belongs to, the dealer it belongs to; all null for company-wide data.
ALTER TABLE outbox_events ADD COLUMN owner_id uuid;
ALTER TABLE outbox_events ADD COLUMN unit_id uuid;
ALTER TABLE outbox_events ADD COLUMN dealer_id uuid;
CREATE UNIQUE INDEX outbox_events_position_key ON outbox_events (position);
CREATE INDEX outbox_events_unsequenced_idx ON outbox_events (seq) WHERE position IS NULL;
CREATE INDEX outbox_events_created_idx ON outbox_events (created_at);

-- How far the feed has been pruned: a reader resuming at or before this position has missed
-- entries and must sync in full again.
CREATE TABLE change_feed_state (
    id              integer PRIMARY KEY CHECK (id = 1),
    pruned_through  bigint NOT NULL
);
INSERT INTO change_feed_state (id, pruned_through) VALUES (1, 0);

ALTER TABLE users ADD COLUMN external_id text;
CREATE UNIQUE INDEX users_external_id_key ON users (external_id) WHERE external_id IS NOT NULL;

-- Facts carry a version like every other mirrored resource (a feed entry states it).
ALTER TABLE sales_facts ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE payment_facts ADD COLUMN version bigint NOT NULL DEFAULT 1;

-- Further people who read an entry besides its owner: `reached` ones like an owner, through
-- their current unit (the salespeople of a coaching session); the others themselves only (a
-- complaint's assignee, a meeting's attendees).
CREATE TABLE outbox_event_people (
    event_id   uuid NOT NULL,
    person_id  uuid NOT NULL,
    reached    boolean NOT NULL,
    PRIMARY KEY (event_id, person_id)
);
CREATE INDEX outbox_event_people_person_idx ON outbox_event_people (person_id);
