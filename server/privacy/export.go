package privacy

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/principal"
)

// Format names the archive layout (docs/privacy.md); a change that is not
// an addition gets a new name.
const Format = "livechat.customer-export.v1"

// MaxExportFileBytes bounds the files' bytes one archive carries: the
// archive is built in memory. Files beyond are listed with DataOmitted.
const MaxExportFileBytes = 100 << 20

// Archive is the export of one customer, in the documented JSON layout.
type Archive struct {
	Format          string           `json:"format"`
	ExportedAt      time.Time        `json:"exported_at"`
	Customer        Customer         `json:"customer"`
	AttributeValues []AttributeValue `json:"attribute_values"`
	// ProfileChanges are agents' edits of the profile (old and new values).
	ProfileChanges  []ProfileChange  `json:"profile_changes"`
	VisitorContext  *VisitorContext  `json:"visitor_context"`
	Conversations   []Conversation   `json:"conversations"`
	UnsentUploads   []Attachment     `json:"unsent_uploads"`
	Mails           []Mail           `json:"mails"`
	VisitorSessions []VisitorSession `json:"visitor_sessions"`
}

// Customer is the stored profile.
type Customer struct {
	ID             string          `json:"id"`
	WidgetID       string          `json:"widget_id"`
	WidgetName     string          `json:"widget_name"`
	Name           string          `json:"name"`
	Email          string          `json:"email"`
	Phone          string          `json:"phone"`
	Company        string          `json:"company"`
	Notes          string          `json:"notes"`
	Attributes     json.RawMessage `json:"attributes"`
	VerifiedUserID *string         `json:"verified_user_id"`
	CreatedAt      time.Time       `json:"created_at"`
	LastSeenAt     time.Time       `json:"last_seen_at"`
	ErasedAt       *time.Time      `json:"erased_at"`
	// Tags are the customer's own tags, by name.
	Tags []string `json:"tags"`
}

// AttributeValue is the value of one custom attribute.
type AttributeValue struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Type  string `json:"type"`
	Value string `json:"value"`
}

// ProfileChange is one field an agent changed.
type ProfileChange struct {
	Field     string    `json:"field"`
	OldValue  string    `json:"old_value"`
	NewValue  string    `json:"new_value"`
	AgentName string    `json:"agent_name"`
	ChangedAt time.Time `json:"changed_at"`
}

// VisitorContext is where the customer is and has been, as the widget
// last reported it.
type VisitorContext struct {
	CurrentURL   string          `json:"current_url"`
	CurrentTitle string          `json:"current_title"`
	Referrer     string          `json:"referrer"`
	Trail        json.RawMessage `json:"trail"`
	Device       json.RawMessage `json:"device"`
	IPAddress    string          `json:"ip_address"`
	Country      string          `json:"country"`
	City         string          `json:"city"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

// Conversation is one of the customer's conversations with its messages.
type Conversation struct {
	ID            string    `json:"id"`
	Status        string    `json:"status"`
	AssigneeID    *string   `json:"assignee_id"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	LastMessageAt time.Time `json:"last_message_at"`
	Tags          []string  `json:"tags"`
	Rating        *Rating   `json:"rating"`
	Messages      []Message `json:"messages"`
}

// Rating is the customer's satisfaction rating of a conversation.
type Rating struct {
	Scale     string    `json:"scale"`
	Score     int16     `json:"score"`
	Comment   string    `json:"comment"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Message is one message, internal notes included (flagged).
type Message struct {
	ID          string       `json:"id"`
	Seq         int64        `json:"seq"`
	SenderType  string       `json:"sender_type"`
	SenderName  string       `json:"sender_name"`
	Text        string       `json:"text"`
	Internal    bool         `json:"internal"`
	SystemKind  *string      `json:"system_kind,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
	EditedAt    *time.Time   `json:"edited_at"`
	DeletedAt   *time.Time   `json:"deleted_at"`
	Revisions   []Revision   `json:"revisions"`
	Attachments []Attachment `json:"attachments"`
}

// Revision is a text an edit or a deletion replaced.
type Revision struct {
	Text       string    `json:"text"`
	Deleted    bool      `json:"deleted"`
	ReplacedAt time.Time `json:"replaced_at"`
}

// Attachment is a file: its metadata and its bytes (base64 in JSON).
type Attachment struct {
	ID           string     `json:"id"`
	FileName     string     `json:"file_name"`
	ContentType  string     `json:"content_type"`
	Size         int64      `json:"size"`
	Width        int32      `json:"width"`
	Height       int32      `json:"height"`
	UploaderType string     `json:"uploader_type"`
	CreatedAt    time.Time  `json:"created_at"`
	RemovedAt    *time.Time `json:"removed_at"`
	// Data is the file's bytes; nil when removed or omitted.
	Data []byte `json:"data"`
	// DataOmitted: the archive reached MaxExportFileBytes before this file.
	DataOmitted bool `json:"data_omitted,omitempty"`
}

// Mail is a mail sent or queued to the customer or about their
// conversations.
type Mail struct {
	ID             string     `json:"id"`
	Kind           string     `json:"kind"`
	To             string     `json:"to"`
	Subject        string     `json:"subject"`
	TextBody       string     `json:"text_body"`
	HTMLBody       string     `json:"html_body"`
	Status         string     `json:"status"`
	ConversationID *string    `json:"conversation_id"`
	CreatedAt      time.Time  `json:"created_at"`
	SentAt         *time.Time `json:"sent_at"`
}

// VisitorSession is one widget session of the customer (the token itself
// is stored only hashed and is not exported).
type VisitorSession struct {
	CreatedAt  time.Time  `json:"created_at"`
	LastSeenAt time.Time  `json:"last_seen_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func errCustomerNotFound(err error) error {
	return apperr.NotFoundAs(err, apperr.NotFound, "customer not found")
}

func optionalString(id *uuid.UUID) *string {
	if id == nil {
		return nil
	}
	s := id.String()
	return &s
}

// Export returns everything stored about the customer, read in one
// snapshot, with the files' bytes (up to MaxExportFileBytes), and records
// that caller exported it.
// Errors: NotFound for an unknown customer.
func (s *Service) Export(ctx context.Context, caller principal.Agent, customerID uuid.UUID) (Archive, error) {
	var a Archive
	// files are the archive's attachments, to fill in with their bytes
	// after the snapshot.
	var files []*Attachment
	err := db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		c, err := q.ExportCustomer(ctx, customerID)
		if err != nil {
			return errCustomerNotFound(err)
		}
		a = Archive{Format: Format, ExportedAt: s.now().UTC(), Customer: Customer{
			ID: c.ID.String(), WidgetID: c.WidgetID.String(), WidgetName: c.WidgetName, Name: c.Name, Email: c.Email,
			Phone: c.Phone, Company: c.Company, Notes: c.Notes, Attributes: json.RawMessage(c.Attributes),
			VerifiedUserID: c.VerifiedUserID, CreatedAt: c.CreatedAt, LastSeenAt: c.LastSeenAt, ErasedAt: c.ErasedAt,
			Tags: []string{},
		}, AttributeValues: []AttributeValue{}, ProfileChanges: []ProfileChange{}, Conversations: []Conversation{},
			UnsentUploads: []Attachment{}, Mails: []Mail{}, VisitorSessions: []VisitorSession{}}

		ownTags, err := q.CustomerTags(ctx, customerID)
		if err != nil {
			return err
		}
		for _, tg := range ownTags {
			a.Customer.Tags = append(a.Customer.Tags, tg.Name)
		}
		attrs, err := q.ExportAttributeValues(ctx, customerID)
		if err != nil {
			return err
		}
		for _, v := range attrs {
			a.AttributeValues = append(a.AttributeValues, AttributeValue{Key: v.Key, Label: v.Label, Type: v.Type, Value: v.Value})
		}
		changes, err := q.ExportCustomerChanges(ctx, customerID)
		if err != nil {
			return err
		}
		for _, ch := range changes {
			a.ProfileChanges = append(a.ProfileChanges, ProfileChange{Field: ch.Field, OldValue: ch.OldValue, NewValue: ch.NewValue, AgentName: ch.AgentName, ChangedAt: ch.ChangedAt})
		}
		vcs, err := q.ExportVisitorContext(ctx, customerID)
		if err != nil {
			return err
		}
		for _, vc := range vcs {
			a.VisitorContext = &VisitorContext{CurrentURL: vc.CurrentUrl, CurrentTitle: vc.CurrentTitle, Referrer: vc.Referrer,
				Trail: json.RawMessage(vc.Trail), Device: json.RawMessage(vc.Device), IPAddress: vc.IpAddress, Country: vc.Country,
				City: vc.City, UpdatedAt: vc.UpdatedAt}
		}

		convs, err := q.ExportConversations(ctx, customerID)
		if err != nil {
			return err
		}
		index := map[uuid.UUID]int{}
		for _, cv := range convs {
			index[cv.ID] = len(a.Conversations)
			a.Conversations = append(a.Conversations, Conversation{ID: cv.ID.String(), Status: cv.Status,
				AssigneeID: optionalString(cv.AssigneeID), CreatedAt: cv.CreatedAt, UpdatedAt: cv.UpdatedAt,
				LastMessageAt: cv.LastMessageAt, Tags: []string{}, Messages: []Message{}})
		}
		tags, err := q.ExportTags(ctx, customerID)
		if err != nil {
			return err
		}
		for _, tg := range tags {
			cv := &a.Conversations[index[tg.ConversationID]]
			cv.Tags = append(cv.Tags, tg.Name)
		}
		ratings, err := q.ExportRatings(ctx, customerID)
		if err != nil {
			return err
		}
		for _, r := range ratings {
			a.Conversations[index[r.ConversationID]].Rating = &Rating{Scale: r.Scale, Score: r.Score, Comment: r.Comment, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
		}

		msgs, err := q.ExportMessages(ctx, customerID)
		if err != nil {
			return err
		}
		// where is a message's place: conversation and index.
		type place struct{ c, m int }
		where := map[uuid.UUID]place{}
		for _, m := range msgs {
			i := index[m.ConversationID]
			where[m.ID] = place{i, len(a.Conversations[i].Messages)}
			a.Conversations[i].Messages = append(a.Conversations[i].Messages, Message{
				ID: m.ID.String(), Seq: m.Seq, SenderType: m.SenderType, SenderName: m.SenderName, Text: m.Text, Internal: m.Internal,
				SystemKind: m.SystemKind, CreatedAt: m.CreatedAt, EditedAt: m.EditedAt, DeletedAt: m.DeletedAt,
				Revisions: []Revision{}, Attachments: []Attachment{},
			})
		}
		revs, err := q.ExportMessageRevisions(ctx, customerID)
		if err != nil {
			return err
		}
		for _, r := range revs {
			p := where[r.MessageID]
			m := &a.Conversations[p.c].Messages[p.m]
			m.Revisions = append(m.Revisions, Revision{Text: r.Text, Deleted: r.Deleted, ReplacedAt: r.ReplacedAt})
		}
		atts, err := q.ExportAttachments(ctx, customerID)
		if err != nil {
			return err
		}
		for _, f := range atts {
			out := Attachment{ID: f.ID.String(), FileName: f.FileName, ContentType: f.ContentType, Size: f.Size, Width: f.Width,
				Height: f.Height, UploaderType: f.UploaderType, CreatedAt: f.CreatedAt, RemovedAt: f.RemovedAt}
			if f.MessageID == nil {
				a.UnsentUploads = append(a.UnsentUploads, out)
				continue
			}
			p, ok := where[*f.MessageID]
			if !ok {
				continue
			}
			m := &a.Conversations[p.c].Messages[p.m]
			m.Attachments = append(m.Attachments, out)
		}

		mails, err := q.ExportMails(ctx, customerID)
		if err != nil {
			return err
		}
		for _, m := range mails {
			a.Mails = append(a.Mails, Mail{ID: m.ID.String(), Kind: m.Kind, To: m.ToAddress, Subject: m.Subject, TextBody: m.TextBody,
				HTMLBody: m.HtmlBody, Status: m.Status, ConversationID: optionalString(m.ConversationID), CreatedAt: m.CreatedAt, SentAt: m.SentAt})
		}
		sessions, err := q.ExportVisitorSessions(ctx, customerID)
		if err != nil {
			return err
		}
		for _, v := range sessions {
			a.VisitorSessions = append(a.VisitorSessions, VisitorSession{CreatedAt: v.CreatedAt, LastSeenAt: v.LastSeenAt, RevokedAt: v.RevokedAt})
		}
		return nil
	})
	if err != nil {
		return Archive{}, err
	}
	for i := range a.Conversations {
		for j := range a.Conversations[i].Messages {
			for k := range a.Conversations[i].Messages[j].Attachments {
				files = append(files, &a.Conversations[i].Messages[j].Attachments[k])
			}
		}
	}
	for i := range a.UnsentUploads {
		files = append(files, &a.UnsentUploads[i])
	}
	if err := s.readFiles(ctx, files); err != nil {
		return Archive{}, err
	}
	s.audit.Record(ctx, caller, audit.CustomerExported, customerTarget(customerID), audit.Details{
		"conversations": len(a.Conversations), "files": len(files),
	})
	return a, nil
}

// readFiles fills in the files' bytes, up to MaxExportFileBytes in all. A
// file deleted since the snapshot (an erasure, a retention run) is left
// without bytes, as a removed file is.
func (s *Service) readFiles(ctx context.Context, files []*Attachment) error {
	if s.files == nil {
		return nil
	}
	var total int64
	for _, f := range files {
		if f.RemovedAt != nil {
			continue
		}
		if total+f.Size > MaxExportFileBytes {
			f.DataOmitted = true
			continue
		}
		id, err := uuid.Parse(f.ID)
		if err != nil {
			return err
		}
		r, err := s.files.ReadFile(ctx, id)
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return err
		}
		data, err := io.ReadAll(io.LimitReader(r, f.Size))
		_ = r.Close()
		if err != nil {
			return err
		}
		f.Data = data
		total += int64(len(data))
	}
	return nil
}
