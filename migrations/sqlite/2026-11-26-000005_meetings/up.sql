-- (SQLite: ids and instants are text) Sales meetings with attendance and remote reports; coaching sessions with action items.

CREATE TABLE meetings (
    id            TEXT PRIMARY KEY NOT NULL,
    meeting_type  TEXT NOT NULL CHECK (meeting_type IN ('morning', 'evening', 'weekly', 'other')),
    org_unit_id   TEXT NOT NULL REFERENCES org_units (id),
    organiser_id  TEXT NOT NULL REFERENCES users (id),
    starts_at     TEXT NOT NULL,
    ends_at       TEXT,
    agenda        TEXT NOT NULL,
    minutes       text,
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX meetings_unit_idx ON meetings (org_unit_id, starts_at);

CREATE TABLE meeting_attendees (
    meeting_id    TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users (id),
    attendance    TEXT NOT NULL CHECK (attendance IN ('invited', 'present', 'absent', 'remote')),
    remote_did    text,
    remote_needs  text,
    reported_at   TEXT,
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX meeting_attendees_user_idx ON meeting_attendees (user_id);

CREATE TABLE coaching_sessions (
    id            TEXT PRIMARY KEY NOT NULL,
    coach_id      TEXT NOT NULL REFERENCES users (id),
    kind          TEXT NOT NULL CHECK (kind IN ('individual', 'collective')),
    held_on       DATE NOT NULL,
    topic         TEXT NOT NULL,
    notes         TEXT NOT NULL,
    follow_up_on  DATE,
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE coaching_participants (
    session_id  TEXT NOT NULL REFERENCES coaching_sessions (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX coaching_participants_user_idx ON coaching_participants (user_id);

CREATE TABLE coaching_action_items (
    id           TEXT PRIMARY KEY NOT NULL,
    session_id   TEXT NOT NULL REFERENCES coaching_sessions (id) ON DELETE CASCADE,
    description  TEXT NOT NULL,
    owner_id     TEXT NOT NULL REFERENCES users (id),
    due_on       DATE NOT NULL,
    done_at      TEXT
);
CREATE INDEX coaching_action_items_session_idx ON coaching_action_items (session_id);
