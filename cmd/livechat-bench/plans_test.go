package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/customers"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/reports"
)

// recorder keeps the statements a pool runs, with their arguments.
type recorder struct {
	mu    sync.Mutex
	stmts []recorded
}

type recorded struct {
	sql  string
	args []any
}

func (r *recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	r.stmts = append(r.stmts, recorded{d.SQL, d.Args})
	r.mu.Unlock()
	return ctx
}

func (r *recorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *recorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stmts
	r.stmts = nil
	return s
}

// bigTables are the tables that grow with the history.
var bigTables = []string{
	"conversations", "messages", "customers", "conversation_facts", "conversation_ratings", "conversation_reads",
	"events", "report_widget_hours", "report_widget_days", "report_message_hours", "report_agent_hours", "report_agent_days",
}

// TestEveryScaleReadUsesAnIndex runs each read M7 times — the inbox's
// queues, search, a long conversation's timeline, the customer search, the
// report — through the domain services on a generated history at small
// scale, records every statement they send, and EXPLAINs each with its
// arguments: none may scan a table that grows with the history. At small
// scale a sequential scan is often the cheaper plan, so sequential scans
// are priced out (enable_seqscan off): what is checked is that an index
// can serve every statement, which is what keeps them fast at 1,000,000
// conversations (the times are M7's).
func TestEveryScaleReadUsesAnIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	url := dbtest.NewURL(t)
	g, err := seedHistory(ctx, url, 5000, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Tracer = rec
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	plain, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close(ctx)
	if _, err := plain.Exec(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}

	// The check itself: a statement no index serves is caught.
	var raw []byte
	if err := plain.QueryRow(ctx, `EXPLAIN (FORMAT JSON) SELECT * FROM messages WHERE sender_name = $1`, "x").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var probe []map[string]any
	if err := json.Unmarshal(raw, &probe); err != nil || fmt.Sprint(seqScans(probe[0]["Plan"])) != "[messages]" {
		t.Fatalf("an unindexed search is not caught (%v): %s", err, raw)
	}

	conv := chat.New(pool, nil)
	cust := customers.New(pool, customers.Options{Conversations: conv})
	rep := reports.New(pool)
	agentID := uuid.MustParse(g.agentID)
	longID := uuid.MustParse(g.longID)
	admin := principal.Agent{ID: agentID, Name: "Bench agent 01", Role: principal.RoleAdmin}
	now := time.Now()
	list := func(f chat.ListFilter) func() error {
		return func() error { _, err := conv.ListConversations(ctx, admin, f); return err }
	}
	for _, c := range []struct {
		name string
		call func() error
	}{
		{"inbox Waiting", list(chat.ListFilter{Statuses: []chat.Status{chat.StatusWaiting}})},
		{"inbox Unassigned", list(chat.ListFilter{Assignment: chat.AssignmentUnassigned, Statuses: []chat.Status{chat.StatusWaiting, chat.StatusActive}})},
		{"inbox Mine", list(chat.ListFilter{Assignment: chat.AssignmentMine, Statuses: []chat.Status{chat.StatusActive}})},
		{"inbox one agent's", list(chat.ListFilter{AssigneeID: &agentID})},
		{"inbox Resolved", list(chat.ListFilter{Statuses: []chat.Status{chat.StatusResolved}})},
		{"inbox Closed", list(chat.ListFilter{Statuses: []chat.Status{chat.StatusClosed}})},
		{"inbox All", list(chat.ListFilter{})},
		{"search", list(chat.ListFilter{Query: "order 424242"})},
		{"search a common word", list(chat.ListFilter{Query: "damaged"})},
		{"search a resolved one", list(chat.ListFilter{Query: "order 424242", Statuses: []chat.Status{chat.StatusResolved}})},
		{"GetConversation", func() error { _, _, err := conv.GetConversation(ctx, admin, longID); return err }},
		{"ListMessages newest", func() error {
			_, err := conv.ListMessages(ctx, admin, longID, chat.MessageQuery{})
			return err
		}},
		{"ListMessages back", func() error {
			_, err := conv.ListMessages(ctx, admin, longID, chat.MessageQuery{BeforeSeq: int64(g.longest / 2)})
			return err
		}},
		{"ListCustomers search", func() error {
			_, err := cust.ListCustomers(ctx, admin, customers.Filter{Query: "customer123"})
			return err
		}},
		{"ListCustomers", func() error { _, err := cust.ListCustomers(ctx, admin, customers.Filter{}); return err }},
		{"GetReport 30 days", func() error {
			_, err := rep.Report(ctx, reports.Query{Start: now.AddDate(0, 0, -30), End: now, TimeZone: "Asia/Ho_Chi_Minh", Compare: true})
			return err
		}},
		{"GetReport 365 days", func() error {
			_, err := rep.Report(ctx, reports.Query{Start: now.AddDate(0, 0, -365), End: now, TimeZone: "Asia/Ho_Chi_Minh", Compare: true})
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec.take()
			if err := c.call(); err != nil {
				t.Fatal(err)
			}
			stmts := rec.take()
			if len(stmts) == 0 {
				t.Fatal("no statement recorded")
			}
			for _, s := range stmts {
				var plan []map[string]any
				var raw []byte
				if err := plain.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+s.sql, s.args...).Scan(&raw); err != nil {
					t.Fatalf("EXPLAIN %s: %v", s.sql, err)
				}
				if err := json.Unmarshal(raw, &plan); err != nil {
					t.Fatal(err)
				}
				if bad := seqScans(plan[0]["Plan"]); len(bad) > 0 {
					t.Errorf("%s scans %s:\n%s", firstLine(s.sql), strings.Join(bad, ", "), raw)
				}
			}
		})
	}
}

// seqScans lists the big tables a plan node or its children scan
// sequentially.
func seqScans(node any) []string {
	n, ok := node.(map[string]any)
	if !ok {
		return nil
	}
	var out []string
	if n["Node Type"] == "Seq Scan" {
		rel := fmt.Sprint(n["Relation Name"])
		for _, b := range bigTables {
			if rel == b {
				out = append(out, rel)
			}
		}
	}
	if kids, ok := n["Plans"].([]any); ok {
		for _, k := range kids {
			out = append(out, seqScans(k)...)
		}
	}
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
