-- What a running drill collects: its participants (the members of the
-- chosen CEPTORs when it started, each counted under one CEPTOR), the drill
-- reports that answer an upward drill (reports.drill stays the only flag
-- reports know; the link lives here), and each organisation's self-check
-- sheet (自己点検シート).
CREATE TABLE drill_participants (
    drill_id  BIGINT NOT NULL REFERENCES drills (id) ON DELETE CASCADE,
    org_id    BIGINT NOT NULL REFERENCES organizations (id),
    ceptor_id BIGINT NOT NULL,
    PRIMARY KEY (drill_id, org_id)
);

CREATE TABLE drill_reports (
    drill_id    BIGINT NOT NULL REFERENCES drills (id) ON DELETE CASCADE,
    org_id      BIGINT NOT NULL,
    report_id   BIGINT NOT NULL UNIQUE REFERENCES reports (id),
    damage      BOOLEAN NOT NULL DEFAULT FALSE,
    reported_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (drill_id, org_id, report_id)
);

CREATE TABLE drill_selfchecks (
    drill_id       BIGINT NOT NULL REFERENCES drills (id) ON DELETE CASCADE,
    org_id         BIGINT NOT NULL REFERENCES organizations (id),
    arrived        TEXT NOT NULL CHECK (arrived IN ('yes', 'late', 'no')),
    channel        TEXT NOT NULL DEFAULT '',
    handler        TEXT NOT NULL DEFAULT '',
    notice_minutes INTEGER,
    problems       TEXT NOT NULL DEFAULT '',
    improvements   TEXT NOT NULL DEFAULT '',
    updated_by     BIGINT NOT NULL DEFAULT 0,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (drill_id, org_id)
);
