// Package reportsapi serves ReportService: it converts the request to a
// reports.Query and the report back. The figures are computed in package
// reports.
package reportsapi

import (
	"context"

	"github.com/google/uuid"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/protoconv"
	"github.com/opensupport/livechat/server/reports"
)

// Handler serves ReportService. It embeds no generated Unimplemented
// handler, so a method missing here is a compile error.
type Handler struct {
	svc *reports.Service
}

var _ livechatv1connect.ReportServiceHandler = (*Handler)(nil)

// NewHandler returns the Connect handler of svc.
func NewHandler(svc *reports.Service) *Handler { return &Handler{svc: svc} }

// GetReport implements livechatv1connect.ReportServiceHandler.
func (h *Handler) GetReport(ctx context.Context, req *livechatv1.GetReportRequest) (*livechatv1.GetReportResponse, error) {
	q := reports.Query{TimeZone: req.TimeZone, Compare: req.Compare}
	if req.Start != nil {
		q.Start = req.Start.AsTime()
	}
	if req.End != nil {
		q.End = req.End.AsTime()
	}
	switch req.Interval {
	case livechatv1.ReportInterval_REPORT_INTERVAL_UNSPECIFIED, livechatv1.ReportInterval_REPORT_INTERVAL_DAY:
		q.Interval = reports.Day
	case livechatv1.ReportInterval_REPORT_INTERVAL_HOUR:
		q.Interval = reports.Hour
	default:
		q.Interval = -1 // the domain refuses it
	}
	if req.WidgetId != "" {
		id, err := protoconv.ParseID("widget_id", req.WidgetId)
		if err != nil {
			return nil, err
		}
		q.WidgetID = &id
	}
	if req.TeamId != "" {
		id, err := protoconv.ParseID("team_id", req.TeamId)
		if err != nil {
			return nil, err
		}
		q.TeamID = &id
	}
	r, err := h.svc.Report(ctx, q)
	if err != nil {
		return nil, err
	}
	out := &livechatv1.GetReportResponse{Totals: totalsProto(r.Totals), TimeZone: r.TimeZone}
	if r.Previous != nil {
		out.Previous = totalsProto(*r.Previous)
	}
	for _, b := range r.Buckets {
		out.Buckets = append(out.Buckets, &livechatv1.ReportBucket{
			Start:            protoconv.Timestamp(b.Start),
			Conversations:    b.Conversations,
			Missed:           b.Missed,
			FirstResponseP50: b.FirstResponseP50,
			FirstResponseP90: b.FirstResponseP90,
			Ratings:          b.Ratings,
			CsatAverage:      b.CsatAverage,
		})
	}
	for _, a := range r.Agents {
		out.Agents = append(out.Agents, &livechatv1.AgentReport{
			AgentId:          protoconv.ID(a.ID),
			AgentName:        a.Name,
			Handled:          a.Handled,
			FirstResponseP50: a.FirstResponseP50,
			Ratings:          a.Ratings,
			CsatAverage:      a.CsatAverage,
			HandledByBucket:  a.HandledByBucket,
		})
	}
	for _, w := range r.Widgets {
		out.Widgets = append(out.Widgets, &livechatv1.WidgetVolume{
			WidgetId: protoconv.ID(w.ID), WidgetName: w.Name, Conversations: w.Conversations,
		})
	}
	for _, t := range r.Teams {
		team := &livechatv1.TeamReport{TeamName: t.Name, Conversations: t.Conversations, Missed: t.Missed,
			FirstResponseP50: t.FirstResponseP50, ResolutionP50: t.ResolutionP50, Ratings: t.Ratings, CsatAverage: t.CsatAverage}
		if t.ID != uuid.Nil {
			team.TeamId = protoconv.ID(t.ID)
		}
		out.Teams = append(out.Teams, team)
	}
	for _, t := range r.Tags {
		out.Tags = append(out.Tags, &livechatv1.TagReport{TagId: protoconv.ID(t.ID), TagName: t.Name, Conversations: t.Conversations,
			Missed: t.Missed, FirstResponseP50: t.FirstResponseP50, ResolutionP50: t.ResolutionP50, Ratings: t.Ratings, CsatAverage: t.CsatAverage})
	}
	out.OtherTags = int32(r.OtherTags)
	return out, nil
}

func totalsProto(t reports.Totals) *livechatv1.ReportTotals {
	return &livechatv1.ReportTotals{
		Conversations:           t.Conversations,
		Missed:                  t.Missed,
		Resolved:                t.Resolved,
		Messages:                t.Messages,
		MessagesPerConversation: t.MessagesPerConversation,
		FirstResponseP50:        t.FirstResponseP50,
		FirstResponseP90:        t.FirstResponseP90,
		FirstResponseAvg:        t.FirstResponseAvg,
		ResolutionP50:           t.ResolutionP50,
		ResolutionP90:           t.ResolutionP90,
		Ratings:                 t.Ratings,
		CsatAverage:             t.CsatAverage,
		CsatSatisfied:           t.CsatSatisfied,
		CsatDistribution:        t.CsatDistribution[:],
	}
}
