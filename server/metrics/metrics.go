// Package metrics holds livechat's Prometheus collectors. The collectors are
// package-level so that any package (the realtime hub, the chat domain) can
// count what it does with one call and no wiring; the app exposes them,
// with the Go runtime, process and database pool figures, at /metrics.
//
// Names follow Prometheus conventions: a livechat_ prefix, _total for
// counters, base units (seconds).
package metrics

import (
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// latencyBuckets span a fast unary call (sub-millisecond) to a slow one
// (ten seconds).
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

var (
	// RPCs counts finished RPCs by procedure and Connect code ("ok" for
	// success). Streams count when they end.
	RPCs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "livechat_rpc_requests_total",
		Help: "Finished RPCs by procedure and code (ok on success).",
	}, []string{"procedure", "code"})

	// RPCDuration observes how long unary RPCs take, by procedure. Streams
	// are left out: their length is how long a client stayed, not latency.
	RPCDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "livechat_rpc_duration_seconds",
		Help:    "Latency of unary RPCs by procedure.",
		Buckets: latencyBuckets,
	}, []string{"procedure"})

	// LiveStreams is the number of open streaming RPCs by procedure.
	LiveStreams = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "livechat_rpc_streams_open",
		Help: "Open streaming RPCs (for example Subscribe streams) by procedure.",
	}, []string{"procedure"})

	// EventsPublished counts events the realtime hub fanned out to this
	// instance's streams: durable events read from the log (written by any
	// instance), typing and presence. One per event, however many streams
	// it reaches.
	EventsPublished = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "livechat_events_published_total",
		Help: "Events fanned out to this instance's streams (one per event, whatever the number of streams).",
	})

	// EventsDirect counts the durable events among EventsPublished that
	// this instance fanned out as it committed them, without reading them
	// back from the log (realtime.Hub.CommittedNext).
	EventsDirect = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "livechat_events_direct_total",
		Help: "Durable events fanned out as this instance committed them, without reading them back from the log.",
	})

	// EventsDelivered counts events sent to subscribers (one per event per
	// subscriber stream).
	EventsDelivered = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "livechat_events_delivered_total",
		Help: "Events written to subscriber streams.",
	})

	// SubscribersDropped counts subscribers cut off because they read too
	// slowly (they are told to resume from their cursor).
	SubscribersDropped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "livechat_subscribers_dropped_total",
		Help: "Subscriber streams ended because the client read too slowly.",
	})

	// FanoutLag observes the time from an event's write to its live
	// delivery to a subscriber stream, across instances (history sent to a
	// resuming stream is left out).
	FanoutLag = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "livechat_fanout_lag_seconds",
		Help:    "Time from an event's commit to its delivery to a subscriber stream.",
		Buckets: latencyBuckets,
	})
)

// shared are the package-level collectors, registered in every registry.
var shared = []prometheus.Collector{
	RPCs, RPCDuration, LiveStreams,
	EventsPublished, EventsDirect, EventsDelivered, SubscribersDropped, FanoutLag,
}

// ObserveFanoutLag records the lag of one delivery of an event committed at
// committed. It ignores a zero time.
func ObserveFanoutLag(committed time.Time) {
	if committed.IsZero() {
		return
	}
	FanoutLag.Observe(time.Since(committed).Seconds())
}

// NewRegistry returns a registry with the Go runtime and process
// collectors, livechat's package-level collectors and extra ones (such as a
// PoolCollector). Each server instance has its own registry, so tests can
// run several instances in one process; the package-level collectors are
// shared by all of them.
func NewRegistry(extra ...prometheus.Collector) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	reg.MustRegister(shared...)
	reg.MustRegister(extra...)
	return reg
}

// PoolCollector reports a pgx connection pool's statistics.
type PoolCollector struct {
	pool *pgxpool.Pool

	total, idle, inUse, max                     *prometheus.Desc
	acquires, emptyAcquires, canceled, waitTime *prometheus.Desc
}

// NewPoolCollector returns a collector for pool, without labels: one
// instance has one pool.
func NewPoolCollector(pool *pgxpool.Pool) *PoolCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("livechat_db_pool_"+name, help, nil, nil)
	}
	return &PoolCollector{
		pool:          pool,
		total:         d("connections", "Open connections in the database pool."),
		idle:          d("connections_idle", "Idle connections in the database pool."),
		inUse:         d("connections_in_use", "Connections of the pool currently in use."),
		max:           d("connections_max", "Maximum size of the database pool."),
		acquires:      d("acquires_total", "Connections acquired from the pool."),
		emptyAcquires: d("empty_acquires_total", "Acquires that had to wait because no connection was idle."),
		canceled:      d("canceled_acquires_total", "Acquires canceled by their context while waiting."),
		waitTime:      d("acquire_wait_seconds_total", "Total time spent waiting for a free connection."),
	}
}

// Describe implements prometheus.Collector.
func (c *PoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.total, c.idle, c.inUse, c.max, c.acquires, c.emptyAcquires, c.canceled, c.waitTime,
	} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *PoolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(c.total, float64(s.TotalConns()))
	gauge(c.idle, float64(s.IdleConns()))
	gauge(c.inUse, float64(s.AcquiredConns()))
	gauge(c.max, float64(s.MaxConns()))
	counter(c.acquires, float64(s.AcquireCount()))
	counter(c.emptyAcquires, float64(s.EmptyAcquireCount()))
	counter(c.canceled, float64(s.CanceledAcquireCount()))
	counter(c.waitTime, s.EmptyAcquireWaitTime().Seconds())
}
