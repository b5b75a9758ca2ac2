DROP TABLE coaching_action_items;
DROP TABLE coaching_participants;
DROP TABLE coaching_sessions;
DROP TABLE meeting_attendees;
DROP TABLE meetings;
