package mail

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"strings"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
)

// bouncePrefix starts the local part of the envelope sender of every mail
// (VERP): bounce+<mail id, 32 hex digits>@<reply domain>.
const bouncePrefix = "bounce+"

// bounceAddress is the envelope sender of the outbox mail id, or "" without
// a reply domain (or for a mail outside the outbox).
func bounceAddress(id uuid.UUID, domain string) string {
	if domain == "" || id == uuid.Nil {
		return ""
	}
	return bouncePrefix + hex.EncodeToString(id[:]) + "@" + domain
}

// bounceID returns the mail id of a bounce address on domain.
func bounceID(address, domain string) (uuid.UUID, bool) {
	at := strings.LastIndexByte(address, '@')
	if domain == "" || at < 0 || !strings.EqualFold(address[at+1:], domain) {
		return uuid.Nil, false
	}
	local := strings.ToLower(address[:at])
	if !strings.HasPrefix(local, bouncePrefix) {
		return uuid.Nil, false
	}
	b, err := hex.DecodeString(local[len(bouncePrefix):])
	if err != nil || len(b) != 16 {
		return uuid.Nil, false
	}
	return uuid.UUID(b), true
}

// report is what a delivery status notification (RFC 3464) or an abuse
// report (ARF, RFC 5965) says about a mail.
type report struct {
	// Hard: a permanent failure (Action failed, Status 5.x.x) — the
	// address must get no more mail. A delay or a temporary failure is not.
	Hard bool
	// Complaint: the recipient reported the mail as spam.
	Complaint bool
	// Detail is the status and diagnostic, or the feedback type, for the
	// admins.
	Detail string
}

// maxReportFields bounds the header blocks read from one report.
const maxReportFields = 50

// parseReport reads a multipart/report mail. ok is false for any other mail.
func parseReport(h mail.Header, body io.Reader) (r report, ok bool) {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/report" {
		return report{}, false
	}
	kind := strings.ToLower(params["report-type"])
	if kind != "delivery-status" && kind != "feedback-report" {
		return report{}, false
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch {
		case kind == "delivery-status" && (pt == "message/delivery-status" || pt == "message/global-delivery-status"):
			return deliveryStatus(p), true
		case kind == "feedback-report" && pt == "message/feedback-report":
			return feedback(p), true
		}
	}
	if kind == "feedback-report" {
		// A complaint without a readable report part is still one.
		return report{Complaint: true, Detail: "reported as spam"}, true
	}
	return report{}, true
}

// fieldBlocks reads RFC 822-style header blocks separated by blank lines.
func fieldBlocks(r io.Reader) []textproto.MIMEHeader {
	tr := textproto.NewReader(bufio.NewReader(io.LimitReader(r, 64<<10)))
	var out []textproto.MIMEHeader
	for len(out) < maxReportFields {
		h, err := tr.ReadMIMEHeader()
		if len(h) > 0 {
			out = append(out, h)
		}
		if err != nil {
			break
		}
	}
	return out
}

// deliveryStatus reads message/delivery-status: hard when a recipient's
// action is "failed" with a 5.x.x status.
func deliveryStatus(r io.Reader) report {
	var rep report
	for _, f := range fieldBlocks(r) {
		action := strings.ToLower(strings.TrimSpace(f.Get("Action")))
		status := strings.TrimSpace(f.Get("Status"))
		if action == "" {
			continue
		}
		detail := strings.TrimSpace(strings.Join(strings.Fields(status+" "+f.Get("Diagnostic-Code")), " "))
		if action == "failed" && strings.HasPrefix(status, "5") {
			return report{Hard: true, Detail: truncate(detail, 500)}
		}
		rep.Detail = truncate(action+" "+detail, 500)
	}
	return rep
}

// feedback reads message/feedback-report: every abuse report is a
// complaint.
func feedback(r io.Reader) report {
	ft := "abuse"
	for _, f := range fieldBlocks(r) {
		if v := strings.TrimSpace(f.Get("Feedback-Type")); v != "" {
			ft = strings.ToLower(v)
		}
	}
	return report{Complaint: true, Detail: truncate("reported as spam (feedback type "+ft+")", 500)}
}

// receiveBounce handles a mail to the bounce address of outbox mail id: a
// hard bounce or a complaint marks that mail failed with the reason and
// suppresses its recipient (and cancels customer mail still queued to
// it); a delay, a temporary failure or anything else changes nothing.
func (s *Service) receiveBounce(ctx context.Context, id uuid.UUID, raw []byte) error {
	row, err := s.q.MailForBounce(ctx, id)
	if err != nil {
		return apperr.NotFoundAs(err, apperr.NotFound, "unknown bounce address")
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return apperr.Wrap(apperr.InvalidValue, err, "not a mail message")
	}
	rep, ok := parseReport(msg.Header, msg.Body)
	if !ok || (!rep.Hard && !rep.Complaint) {
		s.log.InfoContext(ctx, "mail report ignored", "mail", id, "report", ok, "detail", rep.Detail)
		return nil
	}
	reason, lastError, why := "bounced", "bounced: "+rep.Detail, "an earlier mail bounced"
	if rep.Complaint {
		reason, lastError, why = "complained", rep.Detail, "the recipient reported a mail as spam"
	}
	s.log.WarnContext(ctx, "mail "+reason, "mail", id, "to", row.ToAddress, "detail", rep.Detail)
	return db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		if err := q.MarkMailBounced(ctx, dbq.MarkMailBouncedParams{ID: id, LastError: truncate(lastError, 1000)}); err != nil {
			return err
		}
		if err := q.SuppressAddress(ctx, dbq.SuppressAddressParams{Address: row.ToAddress, Reason: reason, Detail: rep.Detail}); err != nil {
			return err
		}
		return q.CancelQueuedCustomerMailTo(ctx, dbq.CancelQueuedCustomerMailToParams{Address: row.ToAddress, LastError: "not sent: " + why})
	})
}
