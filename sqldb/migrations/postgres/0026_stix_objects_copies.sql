-- The copies of one object version in the STIX index (the same id and
-- version held by several sources: identities, TLP marking definitions),
-- in row order: a TAXII walk serves an (id, version) once, at the first copy
-- the reader may see, and asks for earlier copies of the rows flagged
-- shared (0023) by this index, stopping at the first it may see
-- (sqldb/stix_copies.go), instead of sorting every copy of an object.
CREATE INDEX stix_objects_copies ON stix_objects (object_id, version, rid);
