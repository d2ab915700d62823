-- Notifications: in-app messages to one person or to every person of an
-- organisation (user_id NULL), read state per person, and each person's
-- choice of which notifications also come by e-mail.

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id     BIGINT REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    message_key TEXT NOT NULL,
    args        TEXT NOT NULL DEFAULT '[]',
    link        TEXT NOT NULL DEFAULT '',
    urgent      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMP NOT NULL
);
-- A person's notifications are found through two partial indexes: those
-- addressed to them, and those addressed to their whole organisation.
CREATE INDEX notifications_user ON notifications (user_id, id) WHERE user_id IS NOT NULL;
CREATE INDEX notifications_org ON notifications (org_id, id) WHERE user_id IS NULL;

CREATE TABLE notification_reads (
    notification_id BIGINT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (notification_id, user_id)
);
CREATE INDEX notification_reads_user ON notification_reads (user_id);

CREATE TABLE user_notification_prefs (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind_group  TEXT NOT NULL,
    email       TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, kind_group)
);
