package chat

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/realtime"
	"github.com/opensupport/livechat/server/tags"
)

// ListConversations lists conversations for the agent, newest activity
// first, filtered by status, assignment or assignee, tags (any of),
// widget, team, customer, creation time, last change, a bot's hold and a case-insensitive search over the customer's
// name and email and the messages' text, all combined. Each carries its
// newest message and the agent's unread count. Pages are keyset-paginated:
// a conversation that gets a new message while someone pages moves to the
// top (the live stream announces it) and is not repeated.
// Errors: TooManyItems for a page size over 100, TextTooLong for a query
// over 200 characters, TextInvalid, InvalidValue for an unknown status or
// assignment, MalformedCursor for a malformed page token.
func (s *Service) ListConversations(ctx context.Context, agent principal.Agent, f ListFilter) (ConversationPage, error) {
	n, err := limits.PageSize(f.PageSize, limits.DefaultConversationPage, limits.ConversationPage)
	if err != nil {
		return ConversationPage{}, err
	}
	params, err := listParams(agent.ID, f)
	if err != nil {
		return ConversationPage{}, err
	}
	params.PageLimit = int32(n + 1)
	if found, err := s.narrowToHits(ctx, &params.Pattern, &params.ByIds, &params.Ids); err != nil || found == 0 {
		return ConversationPage{}, err
	}
	if f.PageToken != "" {
		at, id, err := decodePageToken(f.PageToken)
		if err != nil {
			return ConversationPage{}, err
		}
		params.HasCursor, params.CursorAt, params.CursorID = true, at, id
	}
	rows, err := s.q.ListConversations(ctx, params)
	if err != nil {
		return ConversationPage{}, err
	}
	var page ConversationPage
	if len(rows) > n {
		rows = rows[:n]
		last := rows[n-1]
		page.NextPageToken = encodePageToken(last.LastMessageAt, last.ID)
	}
	same := make([]dbq.ConversationsByIDsRow, len(rows))
	for i, r := range rows {
		same[i] = dbq.ConversationsByIDsRow(r)
	}
	page.Conversations, err = s.withPreviews(ctx, s.q, agentViewer(agent.ID), same)
	return page, err
}

// listParams turns the filters of f (not its paging) into the query's
// parameters for the reader. Errors: TextTooLong, TextInvalid,
// InvalidValue, TooManyItems.
func listParams(readerID uuid.UUID, f ListFilter) (dbq.ListConversationsParams, error) {
	query, err := limits.CleanOptional("query", f.Query, limits.SearchQuery, false)
	if err != nil {
		return dbq.ListConversationsParams{}, err
	}
	statuses := make([]string, 0, len(f.Statuses))
	for _, st := range f.Statuses {
		if !st.valid() {
			return dbq.ListConversationsParams{}, apperr.New(apperr.InvalidValue, "unknown status %q", st).WithField("statuses")
		}
		statuses = append(statuses, string(st))
	}
	params := dbq.ListConversationsParams{
		ReaderID: readerID,
		Statuses: statuses,
	}
	switch f.Assignment {
	case AssignmentAll:
	case AssignmentMine:
		params.Mine = true
	case AssignmentUnassigned:
		params.Unassigned = true
	default:
		return dbq.ListConversationsParams{}, apperr.New(apperr.InvalidValue, "unknown assignment filter %d", f.Assignment).WithField("assignment")
	}
	if query != "" {
		params.Pattern = limits.LikePattern(query)
	}
	if err := narrow(&params, f); err != nil {
		return dbq.ListConversationsParams{}, err
	}
	return params, nil
}

// searchHits is how many rows each side of a search (messages, customers)
// may take from the text indexes: up to it, search starts from what they
// found; past it the text is common, and walking the inbox finds a page of
// matches sooner.
const searchHits = 2000

// narrowToHits turns a search text (*pattern, an ILIKE pattern) into the
// conversations it matches when the text indexes find few: *byIDs and *ids
// then select them and *pattern is cleared. found is how many conversations
// that is (0: nothing matches, no need to ask further), or -1 when the text
// is common and the pattern stays to be matched while the inbox is walked —
// the same conversations either way. Without a pattern found is -1.
func (s *Service) narrowToHits(ctx context.Context, pattern *string, byIDs *bool, ids *[]uuid.UUID) (found int, err error) {
	if *pattern == "" {
		return -1, nil
	}
	hits, err := s.q.SearchHits(ctx, dbq.SearchHitsParams{Pattern: *pattern, MaxHits: searchHits})
	if err != nil {
		return 0, err
	}
	var byMessage, byCustomer int
	seen := make(map[uuid.UUID]bool, len(hits))
	var out []uuid.UUID
	for _, h := range hits {
		if h.ByMessage {
			byMessage++
		} else {
			byCustomer++
		}
		if !seen[h.ConversationID] {
			seen[h.ConversationID] = true
			out = append(out, h.ConversationID)
		}
	}
	if byMessage >= searchHits || byCustomer >= searchHits {
		return -1, nil
	}
	*pattern, *byIDs, *ids = "", true, out
	return len(out), nil
}

// CheckFilter validates f as ListConversations would (paging aside) and
// returns it normalised: tags without repeats, the query trimmed.
// Errors: those of ListConversations but MalformedCursor.
func CheckFilter(f ListFilter) (ListFilter, error) {
	_, err := listParams(uuid.Nil, f)
	if err != nil {
		return ListFilter{}, err
	}
	f.Query, _ = limits.CleanOptional("query", f.Query, limits.SearchQuery, false)
	f.TagIDs = tags.Distinct(f.TagIDs)
	f.PageSize, f.PageToken = 0, ""
	return f, nil
}

// CountConversations counts the conversations f selects for the agent
// (paging ignored), at most max. It is a saved view's count: one query.
// Errors: those of CheckFilter.
func (s *Service) CountConversations(ctx context.Context, agent principal.Agent, f ListFilter, max int) (int, error) {
	p, err := listParams(agent.ID, f)
	if err != nil {
		return 0, err
	}
	if found, err := s.narrowToHits(ctx, &p.Pattern, &p.ByIds, &p.Ids); err != nil || found == 0 {
		return 0, err
	}
	n, err := s.q.CountConversations(ctx, dbq.CountConversationsParams{
		Statuses: p.Statuses, Mine: p.Mine, ReaderID: p.ReaderID, Unassigned: p.Unassigned,
		ByAssignee: p.ByAssignee, AssigneeID: p.AssigneeID, ByWidget: p.ByWidget, WidgetID: p.WidgetID,
		ByTeam: p.ByTeam, TeamID: p.TeamID, TagIds: p.TagIds,
		ByCustomer: p.ByCustomer, CustomerID: p.CustomerID, HasUpdatedSince: p.HasUpdatedSince, UpdatedSince: p.UpdatedSince,
		HeldByBot:       p.HeldByBot,
		HasCreatedAfter: p.HasCreatedAfter, CreatedAfter: p.CreatedAfter,
		HasCreatedBefore: p.HasCreatedBefore, CreatedBefore: p.CreatedBefore,
		Pattern: p.Pattern, ByIds: p.ByIds, Ids: p.Ids, MaxCount: int32(max),
	})
	return int(n), err
}

// narrow adds the filters beyond status, assignment and text to params.
// Errors: InvalidValue for an assignee with an assignment other than all,
// or an empty date range; TooManyItems for too many tags.
func narrow(params *dbq.ListConversationsParams, f ListFilter) error {
	if f.AssigneeID != nil {
		if f.Assignment != AssignmentAll {
			return apperr.New(apperr.InvalidValue, "an assignee can be asked for only with the assignment filter ALL").WithField("assignee_id")
		}
		params.ByAssignee, params.AssigneeID = true, *f.AssigneeID
	}
	if f.WidgetID != nil {
		params.ByWidget, params.WidgetID = true, *f.WidgetID
	}
	if f.TeamID != nil {
		params.ByTeam, params.TeamID = true, *f.TeamID
	}
	if f.CustomerID != nil {
		params.ByCustomer, params.CustomerID = true, *f.CustomerID
	}
	if f.UpdatedSince != nil {
		params.HasUpdatedSince, params.UpdatedSince = true, *f.UpdatedSince
	}
	params.HeldByBot = f.HeldByBot
	params.TagIds = tags.Distinct(f.TagIDs)
	if len(params.TagIds) > limits.ConversationTags {
		return apperr.New(apperr.TooManyItems, "filter by at most %d tags", limits.ConversationTags).WithField("tag_ids")
	}
	if f.CreatedAfter != nil {
		params.HasCreatedAfter, params.CreatedAfter = true, *f.CreatedAfter
	}
	if f.CreatedBefore != nil {
		if f.CreatedAfter != nil && !f.CreatedBefore.After(*f.CreatedAfter) {
			return apperr.New(apperr.InvalidValue, "the range must end after it starts").WithField("created_before")
		}
		params.HasCreatedBefore, params.CreatedBefore = true, *f.CreatedBefore
	}
	return nil
}

// Page tokens are limits' time cursors of the last row's sort key.
func encodePageToken(at time.Time, id uuid.UUID) string { return limits.EncodeTimeCursor(at, id) }

func decodePageToken(tok string) (time.Time, uuid.UUID, error) { return limits.DecodeTimeCursor(tok) }

// InboxCounts counts the conversations of each inbox queue for the agent.
func (s *Service) InboxCounts(ctx context.Context, agent principal.Agent) (InboxCounts, error) {
	c, err := s.q.InboxCounts(ctx, agent.ID)
	if err != nil {
		return InboxCounts{}, err
	}
	return InboxCounts{
		Waiting: c.Waiting, Mine: c.Mine, Unassigned: c.Unassigned,
		Open: c.Open, Resolved: c.Resolved, Closed: c.Closed,
	}, nil
}

// GetConversation returns one conversation, as the agent sees it, and its
// customer. ConversationNotFound for an unknown id.
func (s *Service) GetConversation(ctx context.Context, agent principal.Agent, conversationID uuid.UUID) (Conversation, Customer, error) {
	c, err := s.conversationFor(ctx, agentViewer(agent.ID), conversationID)
	if err != nil {
		return Conversation{}, Customer{}, err
	}
	cust, err := s.Customer(ctx, c.CustomerID)
	if err != nil {
		return Conversation{}, Customer{}, err
	}
	return c, cust, nil
}

// Customer returns a customer record, as agents and the customer see it.
// CustomerNotFound for an unknown id.
func (s *Service) Customer(ctx context.Context, customerID uuid.UUID) (Customer, error) {
	r, err := s.q.CustomerWithWidget(ctx, customerID)
	if err != nil {
		return Customer{}, apperr.NotFoundAs(err, apperr.CustomerNotFound, "customer not found")
	}
	return customerFromRow(r), nil
}

// VisitorConversation returns the visitor's open (waiting or active)
// conversation, else their most recent one, as they see it; nil when they
// have none yet.
func (s *Service) VisitorConversation(ctx context.Context, v principal.Visitor) (*Conversation, error) {
	id, err := s.q.CustomerConversationID(ctx, v.CustomerID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c, err := s.conversationFor(ctx, visitorViewer(v.CustomerID), id)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// MarkRead moves the agent's read marker of a conversation forward to seq
// (0: the newest message); it never moves back. ConversationNotFound for
// an unknown conversation, InvalidValue for a negative seq.
func (s *Service) MarkRead(ctx context.Context, agent principal.Agent, conversationID uuid.UUID, seq int64) error {
	return s.markRead(ctx, conversationID, nil, agent.ID, SenderAgent, seq)
}

// VisitorMarkRead moves the visitor's read marker of their current
// conversation forward to seq (0: the newest message).
// ConversationNotFound when they have no conversation.
func (s *Service) VisitorMarkRead(ctx context.Context, v principal.Visitor, seq int64) error {
	id, err := s.q.CustomerConversationID(ctx, v.CustomerID)
	if err != nil {
		return apperr.NotFoundAs(err, apperr.ConversationNotFound, conversationNotFound)
	}
	return s.markRead(ctx, id, &v.CustomerID, v.CustomerID, SenderCustomer, seq)
}

func (s *Service) markRead(ctx context.Context, conversationID uuid.UUID, customerID *uuid.UUID, readerID uuid.UUID, readerType SenderType, seq int64) error {
	if seq < 0 {
		return apperr.New(apperr.InvalidValue, "seq must not be negative").WithField("seq")
	}
	r, err := s.q.MarkRead(ctx, dbq.MarkReadParams{
		Seq: seq, ConversationID: conversationID, CustomerID: customerID, ReaderID: readerID, ReaderType: string(readerType),
	})
	if err != nil {
		return apperr.NotFoundAs(err, apperr.ConversationNotFound, conversationNotFound)
	}
	if r.Moved > 0 {
		s.committed()
	}
	return nil
}

// SetTyping shows (or, with typing false, clears at once) the agent's
// typing indicator in a conversation. Nothing is stored; identical
// indicators within a second are coalesced. ConversationNotFound for an
// unknown conversation.
func (s *Service) SetTyping(ctx context.Context, agent principal.Agent, conversationID uuid.UUID, typing bool) error {
	customerID, err := s.q.ConversationCustomerID(ctx, conversationID)
	if err != nil {
		return apperr.NotFoundAs(err, apperr.ConversationNotFound, conversationNotFound)
	}
	s.publishTyping(ctx, conversationID, customerID, SenderAgent, agent.ID, agent.Name, typing)
	return nil
}

// SetViewing tells other agents that the agent has a conversation open
// (or, with viewing false, left it), so they see a collision before they
// reply. Nothing is stored and the customer is never told; the signal
// lapses unless repeated. ConversationNotFound for an unknown conversation.
func (s *Service) SetViewing(ctx context.Context, agent principal.Agent, conversationID uuid.UUID, viewing bool) error {
	if _, err := s.q.ConversationCustomerID(ctx, conversationID); err != nil {
		return apperr.NotFoundAs(err, apperr.ConversationNotFound, conversationNotFound)
	}
	if s.hub != nil {
		s.hub.PublishViewing(ctx, realtime.Viewing{
			ConversationID: conversationID, AgentID: agent.ID, AgentName: agent.Name, Viewing: viewing,
		})
	}
	return nil
}

// VisitorTyping shows (or clears) the visitor's typing indicator in their
// current conversation; without one there is nobody to tell.
func (s *Service) VisitorTyping(ctx context.Context, v principal.Visitor, typing bool) error {
	id, err := s.q.CustomerConversationID(ctx, v.CustomerID)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	name := ""
	if c, err := s.q.CustomerName(ctx, v.CustomerID); err == nil {
		name = c
	}
	s.publishTyping(ctx, id, v.CustomerID, SenderCustomer, v.CustomerID, name, typing)
	return nil
}

func (s *Service) publishTyping(ctx context.Context, conversationID, customerID uuid.UUID, sender SenderType, senderID uuid.UUID, name string, typing bool) {
	if s.hub == nil {
		return
	}
	// The hub coalesces repeats (at most one a second per sender) and sets
	// the expiry.
	s.hub.PublishTyping(ctx, realtime.Typing{
		ConversationID:   conversationID,
		CustomerID:       customerID,
		VisitorSees:      visitorSeesTyping(sender),
		SenderIsCustomer: sender == SenderCustomer,
		SenderID:         senderID,
		SenderName:       name,
		Typing:           typing,
	})
}
