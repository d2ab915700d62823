-- TAXII pages on PostgreSQL read from the membership rows alone: each row
-- of stix_collection_objects carries a copy of its object's columns (obj_*),
-- so that a page is one range scan of the collection's primary key instead
-- of a scan and, per row, a lookup of stix_objects by rid. At a million
-- objects the lookup was about 45% of PostgreSQL's time per page.
--
-- The copy is written by PostgreSQL itself: when a membership row is
-- inserted (BEFORE INSERT, from its object) and whenever an object row
-- changes (AFTER UPDATE, to all its memberships). The STIX sync writes
-- memberships after their object, and rewrites them whenever the object
-- changes, so the copy also follows the sync. The columns are NOT NULL
-- (org_id aside): a membership written without its copy fails instead of
-- being served empty.
--
-- SQLite keeps reading through the join (0027 is empty there): its lookup
-- by rid costs less than copying the bodies.

ALTER TABLE stix_collection_objects
    ADD COLUMN obj_id          TEXT,
    ADD COLUMN obj_type        TEXT,
    ADD COLUMN obj_version     TEXT,
    ADD COLUMN obj_source_kind TEXT,
    ADD COLUMN obj_source_id   BIGINT,
    ADD COLUMN obj_tlp         TEXT,
    ADD COLUMN obj_org_id      BIGINT,
    ADD COLUMN obj_collections TEXT,
    ADD COLUMN obj_body        TEXT;

UPDATE stix_collection_objects c SET obj_id = o.object_id, obj_type = o.type, obj_version = o.version,
    obj_source_kind = o.source_kind, obj_source_id = o.source_id, obj_tlp = o.tlp, obj_org_id = o.org_id,
    obj_collections = o.collections, obj_body = o.body
    FROM stix_objects o WHERE o.rid = c.rid;

ALTER TABLE stix_collection_objects
    ALTER COLUMN obj_id SET NOT NULL,
    ALTER COLUMN obj_type SET NOT NULL,
    ALTER COLUMN obj_version SET NOT NULL,
    ALTER COLUMN obj_source_kind SET NOT NULL,
    ALTER COLUMN obj_source_id SET NOT NULL,
    ALTER COLUMN obj_tlp SET NOT NULL,
    ALTER COLUMN obj_collections SET NOT NULL,
    ALTER COLUMN obj_body SET NOT NULL;

CREATE FUNCTION stix_collection_objects_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT o.object_id, o.type, o.version, o.source_kind, o.source_id, o.tlp, o.org_id, o.collections, o.body
        INTO NEW.obj_id, NEW.obj_type, NEW.obj_version, NEW.obj_source_kind, NEW.obj_source_id, NEW.obj_tlp,
             NEW.obj_org_id, NEW.obj_collections, NEW.obj_body
        FROM stix_objects o WHERE o.rid = NEW.rid;
    RETURN NEW;
END
$$;
CREATE TRIGGER stix_collection_objects_copy BEFORE INSERT ON stix_collection_objects
    FOR EACH ROW EXECUTE FUNCTION stix_collection_objects_copy();

CREATE FUNCTION stix_objects_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE stix_collection_objects SET obj_id = NEW.object_id, obj_type = NEW.type, obj_version = NEW.version,
        obj_source_kind = NEW.source_kind, obj_source_id = NEW.source_id, obj_tlp = NEW.tlp, obj_org_id = NEW.org_id,
        obj_collections = NEW.collections, obj_body = NEW.body
        WHERE rid = NEW.rid;
    RETURN NULL;
END
$$;
CREATE TRIGGER stix_objects_copy AFTER UPDATE ON stix_objects
    FOR EACH ROW EXECUTE FUNCTION stix_objects_copy();
