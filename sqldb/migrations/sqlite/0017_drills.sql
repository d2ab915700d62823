-- CEPTOR drills (セプター訓練): what NISC plans, for which CEPTORs, and the
-- drill advisory that starting it publishes (advisories.drill_id points
-- back here). An unannounced drill stays NISC's alone until it starts.
CREATE TABLE drills (
    id             INTEGER PRIMARY KEY,
    org_id         BIGINT NOT NULL REFERENCES organizations (id),
    author_user_id BIGINT NOT NULL,
    title          TEXT NOT NULL,
    instructions   TEXT NOT NULL DEFAULT '',
    fiscal_year    INTEGER NOT NULL,
    window_start   TIMESTAMP NOT NULL,
    window_end     TIMESTAMP NOT NULL,
    announced      BOOLEAN NOT NULL DEFAULT FALSE,
    channel        TEXT NOT NULL CHECK (channel IN ('normal', 'alternate')),
    downward       BOOLEAN NOT NULL,
    upward         BOOLEAN NOT NULL,
    assume_damage  BOOLEAN NOT NULL DEFAULT FALSE,
    status         TEXT NOT NULL CHECK (status IN ('planned', 'running', 'closed')),
    advisory_id    BIGINT NOT NULL DEFAULT 0,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    started_at     TIMESTAMP,
    closed_at      TIMESTAMP
);
CREATE INDEX drills_fiscal_year ON drills (fiscal_year, status);
CREATE INDEX drills_advisory ON drills (advisory_id);

CREATE TABLE drill_ceptors (
    drill_id  BIGINT NOT NULL REFERENCES drills (id) ON DELETE CASCADE,
    ceptor_id BIGINT NOT NULL REFERENCES ceptors (id),
    PRIMARY KEY (drill_id, ceptor_id)
);
CREATE INDEX drill_ceptors_ceptor ON drill_ceptors (ceptor_id);
