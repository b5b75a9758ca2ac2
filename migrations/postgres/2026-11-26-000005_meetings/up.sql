-- Sales meetings with attendance and remote reports; coaching sessions with action items.

CREATE TABLE meetings (
    id            uuid PRIMARY KEY,
    meeting_type  text NOT NULL CHECK (meeting_type IN ('morning', 'evening', 'weekly', 'other')),
    org_unit_id   uuid NOT NULL REFERENCES org_units (id),
    organiser_id  uuid NOT NULL REFERENCES users (id),
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz,
    agenda        text NOT NULL,
    minutes       text,
    version       bigint NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX meetings_unit_idx ON meetings (org_unit_id, starts_at);

CREATE TABLE meeting_attendees (
    meeting_id    uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES users (id),
    attendance    text NOT NULL CHECK (attendance IN ('invited', 'present', 'absent', 'remote')),
    remote_did    text,
    remote_needs  text,
    reported_at   timestamptz,
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX meeting_attendees_user_idx ON meeting_attendees (user_id);

CREATE TABLE coaching_sessions (
    id            uuid PRIMARY KEY,
    coach_id      uuid NOT NULL REFERENCES users (id),
    kind          text NOT NULL CHECK (kind IN ('individual', 'collective')),
    held_on       date NOT NULL,
    topic         text NOT NULL,
    notes         text NOT NULL,
    follow_up_on  date,
    version       bigint NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE coaching_participants (
    session_id  uuid NOT NULL REFERENCES coaching_sessions (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id),
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX coaching_participants_user_idx ON coaching_participants (user_id);

CREATE TABLE coaching_action_items (
    id           uuid PRIMARY KEY,
    session_id   uuid NOT NULL REFERENCES coaching_sessions (id) ON DELETE CASCADE,
    description  text NOT NULL,
    owner_id     uuid NOT NULL REFERENCES users (id),
    due_on       date NOT NULL,
    done_at      timestamptz
);
CREATE INDEX coaching_action_items_session_idx ON coaching_action_items (session_id);
