-- STIX index: superseded versions are kept (TAXII objects/{id}/versions and
-- match[version]), so an object is unique per source and version, not per
-- source; advisories, imported MISP events and deletions of objects added
-- over TAXII are queued for the STIX sync like reports (see 0015).
--
-- SQLite cannot drop a table constraint: both STIX tables are rebuilt
-- (memberships first, so that dropping the old objects cascades nothing).

CREATE TABLE stix_objects_v (
    rid           INTEGER PRIMARY KEY,
    object_id     TEXT NOT NULL,
    type          TEXT NOT NULL,
    version       TEXT NOT NULL DEFAULT '',
    date_added_us BIGINT NOT NULL,
    source_kind   TEXT NOT NULL,            -- report, incident, taxii, c4tap, advisory, misp
    source_id     BIGINT NOT NULL,
    tlp           TEXT NOT NULL DEFAULT '',
    collections   TEXT NOT NULL DEFAULT '',
    body          TEXT NOT NULL,
    UNIQUE (source_kind, source_id, object_id, version)
);
INSERT INTO stix_objects_v (rid, object_id, type, version, date_added_us, source_kind, source_id, tlp, collections, body)
    SELECT rid, object_id, type, version, date_added_us, source_kind, source_id, tlp, collections, body FROM stix_objects;

CREATE TABLE stix_collection_objects_v (
    collection    TEXT NOT NULL,
    date_added_us BIGINT NOT NULL,
    rid           BIGINT NOT NULL REFERENCES stix_objects_v (rid) ON DELETE CASCADE,
    PRIMARY KEY (collection, date_added_us, rid)
);
INSERT INTO stix_collection_objects_v (collection, date_added_us, rid)
    SELECT collection, date_added_us, rid FROM stix_collection_objects;

DROP TABLE stix_collection_objects;
DROP TABLE stix_objects;
ALTER TABLE stix_objects_v RENAME TO stix_objects;
ALTER TABLE stix_collection_objects_v RENAME TO stix_collection_objects;
CREATE INDEX stix_objects_object ON stix_objects (object_id);
CREATE INDEX stix_collection_objects_rid ON stix_collection_objects (rid);

-- Advisories: only what leaves the server (published, withdrawn) matters;
-- drafts being edited queue nothing.
CREATE TRIGGER stix_dirty_advisory_update AFTER UPDATE ON advisories
    WHEN new.status IN ('published', 'withdrawn') OR old.status IN ('published', 'withdrawn') BEGIN
    INSERT INTO stix_dirty (source_kind, source_id) VALUES ('advisory', new.id);
END;
CREATE TRIGGER stix_dirty_advisory_delete AFTER DELETE ON advisories BEGIN
    INSERT INTO stix_dirty (source_kind, source_id) VALUES ('advisory', old.id);
END;

CREATE TRIGGER stix_dirty_misp_insert AFTER INSERT ON misp_events BEGIN
    INSERT INTO stix_dirty (source_kind, source_id) VALUES ('misp', new.id);
END;
CREATE TRIGGER stix_dirty_misp_update AFTER UPDATE ON misp_events BEGIN
    INSERT INTO stix_dirty (source_kind, source_id) VALUES ('misp', new.id);
END;
CREATE TRIGGER stix_dirty_misp_delete AFTER DELETE ON misp_events BEGIN
    INSERT INTO stix_dirty (source_kind, source_id) VALUES ('misp', old.id);
END;

CREATE TRIGGER stix_dirty_taxii_received_delete AFTER DELETE ON taxii_received BEGIN
    INSERT INTO stix_dirty (source_kind, source_id) VALUES ('taxii', old.id);
END;

INSERT INTO stix_dirty (source_kind, source_id) SELECT 'advisory', id FROM advisories WHERE status IN ('published', 'withdrawn') ORDER BY id;
INSERT INTO stix_dirty (source_kind, source_id) SELECT 'misp', id FROM misp_events ORDER BY id;
