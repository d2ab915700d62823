// Package e2e holds the browser tests of ceptor: the main journeys (sign-in
// for every organisation type, the second factor, language switching, the
// registry, API tokens, bad input, and the reports journeys: the anonymous
// route with redaction, severity, an incident in large-scale mode and its
// live situation board, the named routes, and a form with bad input) driven
// in headless Chromium through the
// DevTools protocol, against a real server over a fresh database with the demo
// data set.
//
// The tests need Chromium (/usr/bin/chromium or "chromium" on PATH). Without
// it they skip, unless CEPTOR_TEST_REQUIRE_CHROMIUM=1 (CI), which makes them
// fail. Environment:
//
//	CEPTOR_E2E_ENGINE             sqlite (default) or postgres
//	CEPTOR_SCREENSHOTS            where the PNG screenshots go
//	                              (default: $TMPDIR/ceptor-screenshots)
//	CEPTOR_TEST_REQUIRE_CHROMIUM  1: a missing browser fails the tests
//
// The package has no code outside its tests.
package e2e
