package web

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	gatherer prometheus.Gatherer
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// dbProvider is offered by the storage for pool statistics.
type dbProvider interface{ SQL() *sql.DB }

// newMetrics registers the HTTP metrics, the database pool statistics and
// the Go runtime collectors on a registry of the server's own.
func newMetrics(reg prometheus.Registerer, st Store) *metrics {
	r := prometheus.NewRegistry()
	m := &metrics{gatherer: r}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ceptor_http_requests_total", Help: "HTTP requests by method, route pattern and status code.",
	}, []string{"method", "route", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "ceptor_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"method", "route"})
	r.MustRegister(m.requests, m.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db, ok := st.(dbProvider); ok {
		r.MustRegister(collectors.NewDBStatsCollector(db.SQL(), "ceptor"))
	}
	if reg != nil {
		// Let an embedding program collect ours too.
		reg.MustRegister(m.requests, m.duration)
	}
	return m
}

func (m *metrics) observe(method, route string, code int, d time.Duration) {
	if code == 0 {
		code = http.StatusOK
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.gatherer, promhttp.HandlerOpts{})
}
