-- TAXII pages read with one query. Two additions to the index:
--
-- 1. A membership row says whether another row of the same
-- collection holds the same STIX id (another version, or the same object
-- from another source, such as a TLP marking definition). Only pages with
-- such rows need the query that applies match[version] (first, last): an
-- object held once is its own first and last version.
--
-- The flag is set by the trigger below when the second row arrives, on both
-- rows, and never cleared: a flag left set after a deletion costs one query,
-- a flag missing would show a superseded version. Memberships are written
-- by the STIX sync under its lock row (stix_sync_state), so two inserts of
-- the same id never race.

ALTER TABLE stix_collection_objects ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;

UPDATE stix_collection_objects SET shared = 1 WHERE EXISTS (
    SELECT 1 FROM stix_objects o
    JOIN stix_objects o2 ON o2.object_id = o.object_id AND o2.rid <> o.rid
    JOIN stix_collection_objects c2 ON c2.rid = o2.rid AND +c2.collection = stix_collection_objects.collection
    WHERE o.rid = stix_collection_objects.rid);

CREATE TRIGGER stix_collection_objects_shared AFTER INSERT ON stix_collection_objects
    WHEN EXISTS (SELECT 1 FROM stix_objects o
        JOIN stix_objects o2 ON o2.object_id = o.object_id AND o2.rid <> o.rid
        JOIN stix_collection_objects c2 ON c2.rid = o2.rid AND +c2.collection = new.collection
        WHERE o.rid = new.rid)
BEGIN
    UPDATE stix_collection_objects SET shared = 1
        WHERE rid IN (SELECT o2.rid FROM stix_objects o JOIN stix_objects o2 ON o2.object_id = o.object_id WHERE o.rid = new.rid)
        AND +collection = new.collection AND shared = 0;
END;

-- 2. The sender of an object received over TAXII, on its index row: with
-- the row's marking and collection, what the policy needs to decide who
-- reads it, without reading taxii_received for every page. Received
-- objects never change (a new version is a new received row).
ALTER TABLE stix_objects ADD COLUMN org_id BIGINT;

UPDATE stix_objects SET org_id = (SELECT r.org_id FROM taxii_received r WHERE r.id = stix_objects.source_id)
    WHERE source_kind = 'taxii';

CREATE TRIGGER stix_objects_received_org AFTER INSERT ON stix_objects WHEN new.source_kind = 'taxii'
BEGIN
    UPDATE stix_objects SET org_id = (SELECT r.org_id FROM taxii_received r WHERE r.id = new.source_id) WHERE rid = new.rid;
END;
