-- The shared flag of migration 0023 in constant time. Its trigger looked
-- at every other copy of a new membership's STIX id (and each copy's
-- collections) to decide whether the id is held twice in the collection:
-- a TLP marking definition or an identity is a copy per source that
-- refers to it, so filling a collection with n such sources cost n^2
-- (PostgreSQL: 47 s for 3,000 indicators carrying one marking).
--
-- Now each membership carries its object's STIX id (obj_id; on PostgreSQL
-- migration 0027 already copies it), and one index on
-- (collection, obj_id, shared) answers both questions the trigger asks —
-- is there another row of this id in the collection, and which rows of it
-- are not flagged yet — without walking the copies.

ALTER TABLE stix_collection_objects ADD COLUMN obj_id TEXT;

UPDATE stix_collection_objects SET obj_id = (SELECT o.object_id FROM stix_objects o WHERE o.rid = stix_collection_objects.rid);

CREATE INDEX stix_collection_objects_obj ON stix_collection_objects (collection, obj_id, shared);

DROP TRIGGER stix_collection_objects_shared;

CREATE TRIGGER stix_collection_objects_shared AFTER INSERT ON stix_collection_objects
BEGIN
    UPDATE stix_collection_objects SET obj_id = (SELECT o.object_id FROM stix_objects o WHERE o.rid = new.rid)
        WHERE collection = new.collection AND date_added_us = new.date_added_us AND rid = new.rid;
    UPDATE stix_collection_objects SET shared = 1
        WHERE collection = new.collection AND obj_id = (SELECT o.object_id FROM stix_objects o WHERE o.rid = new.rid) AND shared = 0
        AND EXISTS (SELECT 1 FROM stix_collection_objects c2
            WHERE c2.collection = new.collection AND c2.obj_id = (SELECT o.object_id FROM stix_objects o WHERE o.rid = new.rid) AND c2.rid <> new.rid);
END;
