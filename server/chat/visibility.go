package chat

import (
	"context"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/tags"
)

// What a visitor may see, in one place.
//
// Agents see everything. A visitor (the customer of a conversation) sees:
//   - messages, but never internal notes: not in timelines, previews or
//     events;
//   - conversation snapshots with the newest message they may see as the
//     preview and their own unread count (agents' replies), never the
//     agents' unread count;
//   - read markers without which agent read (only that agents read);
//   - agents typing, never their own typing;
//   - never a conversation's tags, which are the team's own labels.
//   - never which agents have their conversation open (viewing signals
//     are published for agent streams only, see SetViewing).
//
// Timelines and snapshots are loaded for a viewer; live and replayed
// events are reduced with VisitorEvent, which the encoder hands to the
// realtime hub with every event; typing with visitorSeesTyping.

// viewer says whose eyes conversations and timelines are loaded for.
type viewer struct {
	// readerID is the agent or the customer reading, for unread counts.
	readerID uuid.UUID
	visitor  bool
	// anyone: a snapshot shared by every agent stream, without unread
	// count; visitors' streams get it through VisitorEvent.
	anyone bool
}

func agentViewer(agentID uuid.UUID) viewer      { return viewer{readerID: agentID} }
func visitorViewer(customerID uuid.UUID) viewer { return viewer{readerID: customerID, visitor: true} }

// sharedViewer loads the snapshots events carry.
var sharedViewer = viewer{anyone: true}

// seesInternal reports whether the viewer sees internal notes.
func (v viewer) seesInternal() bool { return !v.visitor }

// lastMessages returns each conversation's newest message the viewer may
// see, by conversation.
func (v viewer) lastMessages(ctx context.Context, q *dbq.Queries, ids []uuid.UUID) ([]dbq.Message, error) {
	if v.seesInternal() {
		return q.LastMessages(ctx, ids)
	}
	return q.LastVisibleMessages(ctx, ids)
}

// tags returns the tags of the conversations ids, by conversation; none
// for a visitor.
func (v viewer) tags(ctx context.Context, q *dbq.Queries, ids []uuid.UUID) (map[uuid.UUID][]tags.Tag, error) {
	out := map[uuid.UUID][]tags.Tag{}
	if v.visitor || len(ids) == 0 {
		return out, nil
	}
	rows, err := q.TagsOfConversations(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ConversationID] = append(out[r.ConversationID], tags.Tag{ID: r.ID, Name: r.Name, Color: tags.Color(r.Color)})
	}
	return out, nil
}

// VisitorEvent returns what a visitor sees of an event as agents see it:
// visible is false when the visitor must not see it at all, changed when
// out differs from ev (else out is ev and its encoding can be shared).
func VisitorEvent(ev Event) (out Event, visible, changed bool) {
	switch {
	case ev.Message != nil:
		return ev, !ev.Message.Internal, false
	case ev.Conversation != nil:
		c := *ev.Conversation
		if c.LastMessage == nil || !c.LastMessage.Internal {
			if c.UnreadCount == 0 && len(c.Tags) == 0 && (c.Bot == nil || c.Bot.TokenID == uuid.Nil) {
				return ev, true, false
			}
		} else {
			c.LastMessage = nil
		}
		c.UnreadCount = 0
		c.Tags = nil
		if c.Bot != nil {
			c.Bot = &Bot{Name: c.Bot.Name}
		}
		ev.Conversation = &c
		return ev, true, true
	case ev.Read != nil:
		if ev.Read.ReaderType != SenderAgent || ev.Read.ReaderID == uuid.Nil {
			return ev, true, false
		}
		r := *ev.Read
		r.ReaderID = uuid.Nil
		ev.Read = &r
		return ev, true, true
	}
	return ev, true, false
}

// visitorSeesTyping reports whether the conversation's visitor is shown a
// typing indicator of sender: not their own.
func visitorSeesTyping(sender SenderType) bool { return sender != SenderCustomer }
