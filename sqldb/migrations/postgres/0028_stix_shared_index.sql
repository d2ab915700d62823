-- The shared flag of migration 0023 in constant time. Its trigger looked
-- at every other copy of a new membership's STIX id (and each copy's
-- collections) to decide whether the id is held twice in the collection:
-- a TLP marking definition or an identity is a copy per source that
-- refers to it, so filling a collection with n such sources cost n^2
-- (47 s for 3,000 indicators carrying one marking).
--
-- Each membership already carries its object's STIX id (obj_id, migration
-- 0027, set before the insert); one index on (collection, obj_id, shared)
-- answers both questions the trigger asks — is there another row of this
-- id in the collection, and which rows of it are not flagged yet — without
-- walking the copies. All three columns are compared by equality, so the
-- cached plan of the function takes the index however small the tables
-- were when it was made.

CREATE INDEX stix_collection_objects_obj ON stix_collection_objects (collection, obj_id, shared);

CREATE OR REPLACE FUNCTION stix_collection_objects_shared() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM stix_collection_objects
               WHERE collection = NEW.collection AND obj_id = NEW.obj_id AND rid <> NEW.rid) THEN
        UPDATE stix_collection_objects SET shared = 1
            WHERE collection = NEW.collection AND obj_id = NEW.obj_id AND shared = 0;
    END IF;
    RETURN NULL;
END
$$;
