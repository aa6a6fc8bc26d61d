package chat

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/opensupport/livechat/db/dbq"
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
)

// ListConversations lists conversations for the calling agent, newest
// activity first, filtered by status, assignment and a case-insensitive
// search over the customer's name and email and the messages' text. Each
// carries its newest message and the caller's unread count. Pages are
// keyset-paginated: a conversation that gets a new message while someone
// pages moves to the top (the live stream announces it) and is not repeated.
// Errors: Invalid for a page size over 100, a query over 200 characters, an
// unknown status or a malformed page token.
func (s *Service) ListConversations(ctx context.Context, req *livechatv1.ListConversationsRequest) (*livechatv1.ListConversationsResponse, error) {
	p, err := agent(ctx)
	if err != nil {
		return nil, err
	}
	n, err := pageSize(req.GetPageSize(), DefaultConversationPage, MaxConversationPage)
	if err != nil {
		return nil, err
	}
	query := strings.TrimSpace(req.GetQuery())
	if !utf8.ValidString(query) {
		return nil, apperr.New(apperr.TextInvalid, "query is not valid UTF-8")
	}
	if utf8.RuneCountInString(query) > MaxQueryLen {
		return nil, apperr.New(apperr.TextTooLong, "query is longer than %d characters", MaxQueryLen)
	}
	if strings.ContainsFunc(query, unicode.IsControl) {
		return nil, apperr.New(apperr.TextInvalid, "query contains a control character")
	}
	statuses := make([]string, 0, len(req.GetStatuses()))
	for _, st := range req.GetStatuses() {
		s, ok := statusFromProto(st)
		if !ok {
			return nil, apperr.New(apperr.InvalidValue, "unknown status %s", st)
		}
		statuses = append(statuses, string(s))
	}
	params := dbq.ListConversationsParams{
		ReaderID:  p.AgentID,
		Statuses:  statuses,
		PageLimit: int32(n + 1),
	}
	switch req.GetAssignment() {
	case livechatv1.AssignmentFilter_ASSIGNMENT_FILTER_UNSPECIFIED, livechatv1.AssignmentFilter_ASSIGNMENT_FILTER_ALL:
	case livechatv1.AssignmentFilter_ASSIGNMENT_FILTER_MINE:
		params.Mine = true
	case livechatv1.AssignmentFilter_ASSIGNMENT_FILTER_UNASSIGNED:
		params.Unassigned = true
	default:
		return nil, apperr.New(apperr.InvalidValue, "unknown assignment filter %s", req.GetAssignment())
	}
	if query != "" {
		params.Pattern = likePattern(query)
	}
	if tok := req.GetPageToken(); tok != "" {
		at, id, err := decodePageToken(tok)
		if err != nil {
			return nil, err
		}
		params.HasCursor, params.CursorAt, params.CursorID = true, at, id
	}
	rows, err := s.q.ListConversations(ctx, params)
	if err != nil {
		return nil, err
	}
	res := &livechatv1.ListConversationsResponse{}
	if len(rows) > n {
		rows = rows[:n]
		last := rows[n-1]
		res.NextPageToken = encodePageToken(last.LastMessageAt, last.ID)
	}
	same := make([]dbq.ConversationsByIDsRow, len(rows))
	for i, r := range rows {
		same[i] = dbq.ConversationsByIDsRow(r)
	}
	res.Conversations, err = s.withPreviews(ctx, s.q, viewer{readerID: p.AgentID}, same)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Page tokens are opaque to clients: the last row's sort key, as
// microseconds since the epoch (PostgreSQL's precision) and id.
func encodePageToken(at time.Time, id uuid.UUID) string {
	var b [24]byte
	binary.BigEndian.PutUint64(b[:8], uint64(at.UnixMicro()))
	copy(b[8:], id[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func decodePageToken(tok string) (time.Time, uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 24 {
		return time.Time{}, uuid.Nil, apperr.New(apperr.MalformedCursor, "malformed page token")
	}
	id, _ := uuid.FromBytes(b[8:])
	return time.UnixMicro(int64(binary.BigEndian.Uint64(b[:8]))), id, nil
}

// GetInboxCounts counts the conversations of each inbox queue for the
// calling agent.
func (s *Service) GetInboxCounts(ctx context.Context) (*livechatv1.GetInboxCountsResponse, error) {
	p, err := agent(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.q.InboxCounts(ctx, p.AgentID)
	if err != nil {
		return nil, err
	}
	return &livechatv1.GetInboxCountsResponse{
		Waiting: c.Waiting, Mine: c.Mine, Unassigned: c.Unassigned,
		Open: c.Open, Resolved: c.Resolved, Closed: c.Closed,
	}, nil
}

// GetConversation returns one conversation, as the calling agent sees it,
// and its customer. NotFound for an unknown id.
func (s *Service) GetConversation(ctx context.Context, conversationID uuid.UUID) (*livechatv1.Conversation, *livechatv1.Customer, error) {
	p, err := agent(ctx)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.conversationForAgent(ctx, conversationID, p.AgentID)
	if err != nil {
		return nil, nil, err
	}
	cust, err := s.Customer(ctx, uuid.MustParse(c.CustomerId))
	if err != nil {
		return nil, nil, err
	}
	return c, cust, nil
}

// Customer returns a customer record. NotFound for an unknown id.
func (s *Service) Customer(ctx context.Context, customerID uuid.UUID) (*livechatv1.Customer, error) {
	r, err := s.q.CustomerWithWidget(ctx, customerID)
	if err != nil {
		return nil, apperr.FromDB(err, "customer not found")
	}
	return customerProto(r), nil
}

// CustomerConversation returns the customer's open (waiting or active)
// conversation, else their most recent one, as they see it (no internal
// notes in its preview); nil when they have none yet.
func (s *Service) CustomerConversation(ctx context.Context, customerID uuid.UUID) (*livechatv1.Conversation, error) {
	id, err := s.q.CustomerConversationID(ctx, customerID)
	if noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.conversationForCustomer(ctx, id, customerID)
}

// MarkRead moves the calling agent's read marker of a conversation forward
// to seq (0: the newest message); it never moves back. NotFound for an
// unknown conversation.
func (s *Service) MarkRead(ctx context.Context, conversationID uuid.UUID, seq int64) error {
	p, err := agent(ctx)
	if err != nil {
		return err
	}
	return s.markRead(ctx, conversationID, nil, p.AgentID, "agent", seq)
}

// CustomerMarkRead moves the customer's read marker of their current
// conversation forward to seq (0: the newest message). NotFound when they
// have no conversation.
func (s *Service) CustomerMarkRead(ctx context.Context, customerID uuid.UUID, seq int64) error {
	id, err := s.q.CustomerConversationID(ctx, customerID)
	if err != nil {
		return apperr.FromDB(err, conversationNotFound)
	}
	return s.markRead(ctx, id, &customerID, customerID, "customer", seq)
}

func (s *Service) markRead(ctx context.Context, conversationID uuid.UUID, customerID *uuid.UUID, readerID uuid.UUID, readerType string, seq int64) error {
	if seq < 0 {
		return apperr.New(apperr.InvalidValue, "seq must not be negative")
	}
	r, err := s.q.MarkRead(ctx, dbq.MarkReadParams{
		Seq: seq, ConversationID: conversationID, CustomerID: customerID, ReaderID: readerID, ReaderType: readerType,
	})
	if err != nil {
		return apperr.FromDB(err, conversationNotFound)
	}
	if r.Moved > 0 {
		s.committed()
	}
	return nil
}

// SetTyping shows (or, with typing false, clears at once) the calling
// agent's typing indicator in a conversation. Nothing is stored; identical
// indicators within a second are coalesced. NotFound for an unknown
// conversation.
func (s *Service) SetTyping(ctx context.Context, conversationID uuid.UUID, typing bool) error {
	p, err := agent(ctx)
	if err != nil {
		return err
	}
	customerID, err := s.q.ConversationCustomerID(ctx, conversationID)
	if err != nil {
		return apperr.FromDB(err, conversationNotFound)
	}
	s.publishTyping(ctx, conversationID, customerID, livechatv1.SenderType_SENDER_TYPE_AGENT, p.AgentID, p.AgentName, typing)
	return nil
}

// CustomerTyping shows (or clears) the customer's typing indicator in their
// current conversation; without one there is nobody to tell.
func (s *Service) CustomerTyping(ctx context.Context, customerID uuid.UUID, typing bool) error {
	id, err := s.q.CustomerConversationID(ctx, customerID)
	if noRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	name := ""
	if c, err := s.q.CustomerName(ctx, customerID); err == nil {
		name = c
	}
	s.publishTyping(ctx, id, customerID, livechatv1.SenderType_SENDER_TYPE_CUSTOMER, customerID, name, typing)
	return nil
}

func (s *Service) publishTyping(ctx context.Context, conversationID, customerID uuid.UUID, st livechatv1.SenderType, sender uuid.UUID, name string, typing bool) {
	if s.hub == nil {
		return
	}
	ev := &livechatv1.TypingEvent{
		ConversationId: conversationID.String(),
		SenderType:     st,
		SenderId:       sender.String(),
		SenderName:     name,
		Typing:         typing,
	}
	if typing {
		ev.ExpiresAt = timestamppb.New(s.Now().Add(TypingTTL))
	}
	// The hub coalesces repeats (at most one a second per sender).
	s.hub.PublishTyping(ctx, conversationID, customerID, ev)
}
