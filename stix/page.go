package stix

import "context"

// PageRow is one row of a TAXII page as the reader gets it from the index:
// the object and, for an object received over TAXII, what the policy needs
// of it (its collection, sender and marking), read with the row.
type PageRow struct {
	Stored
	Received *ReceivedRef
}

// PageReader is a Store that reads a page and everything the reader needs
// of it (match[version] applied, the policy's inputs of received objects)
// in as few queries as it can: one, when no object of the page has a second
// row in the collection.
type PageReader interface {
	ReadPage(ctx context.Context, q Query) ([]PageRow, error)
}
