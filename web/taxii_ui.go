package web

import (
	"net/http"

	"ceptor/i18n"
)

// taxiiPageData is what the TAXII page shows: the collections the person
// may read, their URLs, and how to connect with a token.
type taxiiPageData struct {
	DiscoveryURL string
	APIRootURL   string
	Collections  []taxiiCollectionRow
}

type taxiiCollectionRow struct {
	taxiiCollectionView
	ObjectsURL string
}

func (s *Server) taxiiPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	views, err := s.readableCollections(r.Context(), st.actor, st.lang)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := s.publicBase(r)
	d := taxiiPageData{DiscoveryURL: base + taxiiRoot, APIRootURL: base + taxiiAPIRoot}
	for _, v := range views {
		d.Collections = append(d.Collections, taxiiCollectionRow{taxiiCollectionView: v, ObjectsURL: base + taxiiAPIRoot + "collections/" + v.ID + "/objects/"})
	}
	s.render(w, r, http.StatusOK, "taxii_collections", s.page(w, r, i18n.T(st.lang, "taxii.title"), d))
}
