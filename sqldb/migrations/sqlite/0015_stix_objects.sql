-- STIX/TAXII: the index of STIX objects ceptor serves (one row per object
-- and ceptor source, latest version only), their collection memberships in
-- the order they were added, and the queue of sources whose STIX
-- projection must be redone.
--
-- date_added_us is microseconds since the Unix epoch, assigned under the
-- lock row of stix_sync_state so that it only grows, in commit order, across
-- nodes and restarts: TAXII clients page on (date_added, rid).

CREATE TABLE stix_objects (
    rid           INTEGER PRIMARY KEY,
    object_id     TEXT NOT NULL,
    type          TEXT NOT NULL,
    version       TEXT NOT NULL DEFAULT '', -- modified (created for markings, '' for observables)
    date_added_us BIGINT NOT NULL,
    source_kind   TEXT NOT NULL,            -- report, incident, taxii (later: advisory ...)
    source_id     BIGINT NOT NULL,
    tlp           TEXT NOT NULL DEFAULT '',
    collections   TEXT NOT NULL DEFAULT '', -- space-separated collection keys
    body          TEXT NOT NULL,
    UNIQUE (source_kind, source_id, object_id)
);
CREATE INDEX stix_objects_object ON stix_objects (object_id);

CREATE TABLE stix_collection_objects (
    collection    TEXT NOT NULL,
    date_added_us BIGINT NOT NULL,
    rid           BIGINT NOT NULL REFERENCES stix_objects (rid) ON DELETE CASCADE,
    PRIMARY KEY (collection, date_added_us, rid)
);
CREATE INDEX stix_collection_objects_rid ON stix_collection_objects (rid);

CREATE TABLE stix_sync_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    last_added_us BIGINT NOT NULL
);
INSERT INTO stix_sync_state (id, last_added_us) VALUES (1, 0);

-- Filled by triggers in the transaction of each change, so no change is
-- missed whatever node made it; emptied by the sync.
CREATE TABLE stix_dirty (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    source_kind TEXT NOT NULL,
    source_id   BIGINT NOT NULL
);

CREATE TRIGGER stix_dirty_report_insert AFTER INSERT ON reports BEGIN
    INSERT INTO stix_dirty (source_kind, source_id) VALUES ('report', new.id);
END;
CREATE TRIGGER stix_dirty_report_update AFTER UPDATE ON reports BEGIN
    INSERT INTO stix_dirty (source_kind, source_id) VALUES ('report', new.id);
END;
CREATE TRIGGER stix_dirty_report_version AFTER INSERT ON report_versions BEGIN
    INSERT INTO stix_dirty (source_kind, source_id) VALUES ('report', new.report_id);
END;
CREATE TRIGGER stix_dirty_report_version_update AFTER UPDATE ON report_versions BEGIN
    INSERT INTO stix_dirty (source_kind, source_id) VALUES ('report', new.report_id);
END;
CREATE TRIGGER stix_dirty_incident_insert AFTER INSERT ON incidents BEGIN
    INSERT INTO stix_dirty (source_kind, source_id) VALUES ('incident', new.id);
END;
CREATE TRIGGER stix_dirty_incident_update AFTER UPDATE ON incidents BEGIN
    INSERT INTO stix_dirty (source_kind, source_id) VALUES ('incident', new.id);
END;
CREATE TRIGGER stix_dirty_incident_reports_insert AFTER INSERT ON incident_reports BEGIN
    INSERT INTO stix_dirty (source_kind, source_id) VALUES ('incident', new.incident_id);
END;
CREATE TRIGGER stix_dirty_incident_reports_delete AFTER DELETE ON incident_reports BEGIN
    INSERT INTO stix_dirty (source_kind, source_id) VALUES ('incident', old.incident_id);
END;
CREATE TRIGGER stix_dirty_incident_events AFTER INSERT ON incident_events BEGIN
    INSERT INTO stix_dirty (source_kind, source_id) VALUES ('incident', new.incident_id);
END;
CREATE TRIGGER stix_dirty_incident_severity AFTER INSERT ON severity_evaluations WHEN new.subject = 'incident' BEGIN
    INSERT INTO stix_dirty (source_kind, source_id) VALUES ('incident', new.subject_id);
END;

INSERT INTO stix_dirty (source_kind, source_id) SELECT 'report', id FROM reports WHERE status <> 'draft' ORDER BY id;
INSERT INTO stix_dirty (source_kind, source_id) SELECT 'incident', id FROM incidents ORDER BY id;
