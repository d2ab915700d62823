package stix

import "context"

// PageRow is one row of a TAXII page as the reader gets it from the index:
// the object and, for an object received over TAXII, what the policy needs
// of it (its collection, sender and marking), read with the row.
type PageRow struct {
	Stored
	Received *ReceivedRef
	// Shared: another row of the collection may hold the same STIX id
	// (another version, or the same object from another source; migration
	// 0023's flag). Only such rows can repeat an (id, version) already
	// served earlier in a walk (see CopyReader).
	Shared bool
}

// CopyReader is a Store that lists the copies of one object version (the
// same id and version, held by other sources) that a collection holds
// before a position, in the order of their row ids after afterRID: a
// reader serves an (id, version) only at the first copy its actor may see,
// so that each appears once in a walk of the collection.
type CopyReader interface {
	EarlierCopies(ctx context.Context, collection, id, version string, before Cursor, afterRID int64, limit int) ([]PageRow, error)
}

// PageReader is a Store that reads a page and everything the reader needs
// of it (match[version] applied, the policy's inputs of received objects)
// in as few queries as it can: one, when no object of the page has a second
// row in the collection.
type PageReader interface {
	ReadPage(ctx context.Context, q Query) ([]PageRow, error)
}
