package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
)

// Format is a file format of Export.
type Format string

// The formats.
const (
	CSV  Format = "csv"
	JSON Format = "json"
)

// Export is a downloadable file of audit entries.
type Export struct {
	Data        []byte
	ContentType string
	Filename    string
	// Count is how many entries the file holds; Truncated says the filter
	// matched more than limits.AuditExport, the newest of which are in it.
	Count     int
	Truncated bool
}

// Export writes the entries matching f, newest first, as CSV or JSON, at
// most limits.AuditExport of them, and records that caller exported them.
// Errors: those of List's filter; InvalidValue (format).
func (s *Service) Export(ctx context.Context, caller principal.Agent, f Filter, format Format) (Export, error) {
	if format != CSV && format != JSON {
		return Export{}, apperr.New(apperr.InvalidValue, "format must be csv or json").WithField("format")
	}
	params, err := listParams(f)
	if err != nil {
		return Export{}, err
	}
	var entries []Entry
	truncated := false
	for {
		params.MaxRows = int32(min(limits.AuditPage*10, limits.AuditExport-len(entries)) + 1)
		rows, err := s.q.ListAuditEntries(ctx, params)
		if err != nil {
			return Export{}, err
		}
		more := len(rows) == int(params.MaxRows)
		if more {
			rows = rows[:len(rows)-1]
		}
		for _, r := range rows {
			entries = append(entries, fromRow(r))
		}
		if !more {
			break
		}
		if len(entries) >= limits.AuditExport {
			truncated = true
			break
		}
		last := entries[len(entries)-1]
		params.BeforeAt, params.BeforeID = &last.At, &last.ID
	}
	out := Export{Count: len(entries), Truncated: truncated}
	stamp := s.now().UTC().Format("20060102-150405")
	switch format {
	case CSV:
		out.Data, err = writeCSV(entries)
		out.ContentType, out.Filename = "text/csv; charset=utf-8", "audit-log-"+stamp+".csv"
	case JSON:
		out.Data, err = writeJSON(entries)
		out.ContentType, out.Filename = "application/json", "audit-log-"+stamp+".json"
	}
	if err != nil {
		return Export{}, err
	}
	s.Record(ctx, caller, AuditExported, Target{Type: "audit_log"}, Details{
		"format": string(format), "count": out.Count, "truncated": truncated, "filter": filterDetails(f),
	})
	return out, nil
}

func filterDetails(f Filter) Details {
	d := Details{}
	if f.ActorID != uuid.Nil {
		d["actor_id"] = f.ActorID.String()
	}
	if f.Action != "" {
		d["action"] = string(f.Action)
	}
	if !f.Since.IsZero() {
		d["since"] = f.Since.UTC().Format(time.RFC3339)
	}
	if !f.Until.IsZero() {
		d["until"] = f.Until.UTC().Format(time.RFC3339)
	}
	if f.Query != "" {
		d["query"] = f.Query
	}
	return d
}

// jsonEntry is the documented layout of one exported entry (docs/privacy.md).
type jsonEntry struct {
	ID         int64   `json:"id"`
	At         string  `json:"at"`
	ActorID    string  `json:"actor_id,omitempty"`
	ActorName  string  `json:"actor_name,omitempty"`
	TokenID    string  `json:"token_id,omitempty"`
	Action     string  `json:"action"`
	TargetType string  `json:"target_type,omitempty"`
	TargetID   string  `json:"target_id,omitempty"`
	TargetName string  `json:"target_name,omitempty"`
	ClientIP   string  `json:"client_ip,omitempty"`
	Details    Details `json:"details"`
}

func toJSONEntry(e Entry) jsonEntry {
	j := jsonEntry{
		ID: e.ID, At: e.At.UTC().Format(time.RFC3339Nano), ActorName: e.ActorName, Action: string(e.Action),
		TargetType: e.Target.Type, TargetID: e.Target.ID, TargetName: e.Target.Name, ClientIP: e.ClientIP, Details: e.Details,
	}
	if e.ActorID != uuid.Nil {
		j.ActorID = e.ActorID.String()
	}
	if e.TokenID != uuid.Nil {
		j.TokenID = e.TokenID.String()
	}
	return j
}

func writeJSON(entries []Entry) ([]byte, error) {
	out := make([]jsonEntry, len(entries))
	for i, e := range entries {
		out[i] = toJSONEntry(e)
	}
	return json.MarshalIndent(map[string]any{"entries": out}, "", "  ")
}

// csvHeader are the columns of the CSV export, the JSON layout's fields.
var csvHeader = []string{"id", "at", "actor_id", "actor_name", "token_id", "action", "target_type", "target_id", "target_name", "client_ip", "details"}

func writeCSV(entries []Entry) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(csvHeader); err != nil {
		return nil, err
	}
	for _, e := range entries {
		j := toJSONEntry(e)
		details, err := json.Marshal(j.Details)
		if err != nil {
			return nil, err
		}
		rec := []string{strconv.FormatInt(j.ID, 10), j.At, j.ActorID, j.ActorName, j.TokenID, j.Action,
			j.TargetType, j.TargetID, j.TargetName, j.ClientIP, string(details)}
		for i := range rec {
			rec[i] = defuseFormula(rec[i])
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// defuseFormula keeps a spreadsheet from running a cell as a formula: some
// values (the username of a failed sign-in, a widget's name) are typed by
// anyone, and a cell starting with =, +, -, @, tab or CR is a formula to
// Excel and LibreOffice. A leading apostrophe makes it text.
func defuseFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Changes lists what differs between two values of one type, for the
// details of an update: {"Appearance.Title": {"from": "Hi", "to": "Hello"}}.
// Both are compared as their JSON forms, objects field by field (dotted
// paths), anything else whole.
func Changes(before, after any) Details {
	out := Details{}
	var b, a any
	if raw, err := json.Marshal(before); err == nil {
		_ = json.Unmarshal(raw, &b)
	}
	if raw, err := json.Marshal(after); err == nil {
		_ = json.Unmarshal(raw, &a)
	}
	diff(out, "", b, a)
	return out
}

func diff(out Details, path string, before, after any) {
	bm, bok := before.(map[string]any)
	am, aok := after.(map[string]any)
	if bok && aok {
		for k, av := range am {
			diff(out, join(path, k), bm[k], av)
		}
		for k, bv := range bm {
			if _, ok := am[k]; !ok {
				diff(out, join(path, k), bv, nil)
			}
		}
		return
	}
	if !reflect.DeepEqual(before, after) {
		out[path] = map[string]any{"from": before, "to": after}
	}
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}
