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
-- by the STIX sync under its lock row (stix_sync_state ... FOR UPDATE), so
-- two inserts of the same id never race.

ALTER TABLE stix_collection_objects ADD COLUMN shared SMALLINT NOT NULL DEFAULT 0;

UPDATE stix_collection_objects c SET shared = 1 WHERE EXISTS (
    SELECT 1 FROM stix_objects o
    JOIN stix_objects o2 ON o2.object_id = o.object_id AND o2.rid <> o.rid
    JOIN stix_collection_objects c2 ON c2.rid = o2.rid AND c2.collection = c.collection
    WHERE o.rid = c.rid);

-- One row at a time, by primary key and the (object_id) and (rid) indexes
-- only: the trigger's plan is cached, and a plan made while the tables were
-- small must not scan a collection once they are large. The collection is
-- compared outside any index condition for the same reason.
CREATE FUNCTION stix_collection_objects_shared() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    oid   TEXT;
    other BIGINT;
    coll  TEXT;
    found BOOLEAN := false;
BEGIN
    SELECT object_id INTO oid FROM stix_objects WHERE rid = NEW.rid;
    FOR other IN SELECT rid FROM stix_objects WHERE object_id = oid AND rid <> NEW.rid LOOP
        FOR coll IN SELECT collection FROM stix_collection_objects WHERE rid = other LOOP
            IF coll = NEW.collection THEN
                found := true;
                UPDATE stix_collection_objects SET shared = 1 WHERE rid = other AND shared = 0 AND (collection = NEW.collection) IS TRUE;
            END IF;
        END LOOP;
    END LOOP;
    IF found THEN
        UPDATE stix_collection_objects SET shared = 1 WHERE rid = NEW.rid AND shared = 0 AND (collection = NEW.collection) IS TRUE;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER stix_collection_objects_shared AFTER INSERT ON stix_collection_objects
    FOR EACH ROW EXECUTE FUNCTION stix_collection_objects_shared();

-- 2. The sender of an object received over TAXII, on its index row: with
-- the row's marking and collection, what the policy needs to decide who
-- reads it, without reading taxii_received for every page. Received
-- objects never change (a new version is a new received row).
ALTER TABLE stix_objects ADD COLUMN org_id BIGINT;

UPDATE stix_objects o SET org_id = r.org_id FROM taxii_received r WHERE o.source_kind = 'taxii' AND r.id = o.source_id;

CREATE FUNCTION stix_objects_received_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT org_id INTO NEW.org_id FROM taxii_received WHERE id = NEW.source_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER stix_objects_received_org BEFORE INSERT ON stix_objects
    FOR EACH ROW WHEN (NEW.source_kind = 'taxii') EXECUTE FUNCTION stix_objects_received_org();
