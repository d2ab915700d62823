-- The shared flag of migration 0023 without walking the copies. Its
-- trigger, for each new membership, listed every other copy of the row's
-- STIX id (across all collections) to flag the ones in this collection: a
-- TLP marking definition or an identity is a copy per source that refers
-- to it, so filling a collection with n such sources cost n^2.
--
-- Now a small table counts the rows of each STIX id per collection
-- (stix_collection_ids, kept by the triggers below; it only grows: a
-- deletion leaves the count high, which at worst flags a row that need
-- not be, as 0023 already accepts). The copies are walked once per id and
-- collection, when its second row arrives (both rows are flagged then);
-- every later row flags itself alone. The membership rows stay as narrow
-- as they were: the page query reads them. (PostgreSQL, whose memberships
-- carry their object since 0027, uses an index on them instead.)

CREATE TABLE stix_collection_ids (
    collection TEXT NOT NULL,
    obj_id     TEXT NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (collection, obj_id)
) WITHOUT ROWID;

INSERT INTO stix_collection_ids (collection, obj_id, n)
    SELECT c.collection, o.object_id, COUNT(*) FROM stix_collection_objects c JOIN stix_objects o ON o.rid = c.rid
    GROUP BY c.collection, o.object_id;

DROP TRIGGER stix_collection_objects_shared;

-- Counted before the row goes in, so that the AFTER triggers see the count
-- with the new row.
CREATE TRIGGER stix_collection_ids_count BEFORE INSERT ON stix_collection_objects
BEGIN
    INSERT INTO stix_collection_ids (collection, obj_id, n)
        VALUES (new.collection, (SELECT o.object_id FROM stix_objects o WHERE o.rid = new.rid), 1)
        ON CONFLICT (collection, obj_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER stix_collection_objects_shared AFTER INSERT ON stix_collection_objects
    WHEN (SELECT i.n FROM stix_collection_ids i
          WHERE i.collection = new.collection AND i.obj_id = (SELECT o.object_id FROM stix_objects o WHERE o.rid = new.rid)) = 2
BEGIN
    UPDATE stix_collection_objects SET shared = 1
        WHERE rid IN (SELECT o2.rid FROM stix_objects o JOIN stix_objects o2 ON o2.object_id = o.object_id WHERE o.rid = new.rid)
        AND +collection = new.collection AND shared = 0;
END;

CREATE TRIGGER stix_collection_objects_shared_more AFTER INSERT ON stix_collection_objects
    WHEN (SELECT i.n FROM stix_collection_ids i
          WHERE i.collection = new.collection AND i.obj_id = (SELECT o.object_id FROM stix_objects o WHERE o.rid = new.rid)) > 2
BEGIN
    UPDATE stix_collection_objects SET shared = 1
        WHERE collection = new.collection AND date_added_us = new.date_added_us AND rid = new.rid;
END;
