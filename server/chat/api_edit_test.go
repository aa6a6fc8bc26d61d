package chat_test

import (
	"strings"
	"testing"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
)

// TestAPIEditAndDelete goes through the real server: an agent and a
// visitor change their own messages; the visitor's stream gets the
// changes live and on a resume, never a replaced text nor a note's change;
// admins read the replaced texts and other agents may not.
func TestAPIEditAndDelete(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	ctx := bounded(t)
	lan, _ := a.agent(t, "lan", "Lan")
	w, err := a.admin.Widget.CreateWidget(ctx, &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Edits"}})
	if err != nil {
		t.Fatal(err)
	}
	start, err := a.srv.NewClient(nil).Widget.StartSession(ctx, &livechatv1.StartSessionRequest{SiteKey: w.Widget.SiteKey})
	if err != nil {
		t.Fatal(err)
	}
	visitor := a.srv.NewClient(apptest.Bearer(start.VisitorToken)).Widget
	stream, err := visitor.Subscribe(ctx, &livechatv1.WidgetServiceSubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		res, err := stream.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if res.GetEvent().GetReady() != nil {
			break
		}
	}
	sent, err := visitor.SendMessage(ctx, &livechatv1.WidgetServiceSendMessageRequest{Text: "card 4111 1111", ClientMessageId: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	if sent.Message.EditableUntil == nil {
		t.Fatal("the visitor's message has no editable_until")
	}
	cid := sent.Conversation.Id
	reply, err := lan.Conversation.SendMessage(ctx, &livechatv1.SendMessageRequest{ConversationId: cid, Text: "Helo", ClientMessageId: "a1"})
	if err != nil {
		t.Fatal(err)
	}
	note, err := lan.Conversation.SendMessage(ctx, &livechatv1.SendMessageRequest{ConversationId: cid, Text: "check the card", Internal: true, ClientMessageId: "a2"})
	if err != nil {
		t.Fatal(err)
	}

	edited, err := lan.Conversation.EditMessage(ctx, &livechatv1.EditMessageRequest{MessageId: reply.Message.Id, Text: "Hello"})
	if err != nil {
		t.Fatal(err)
	}
	if edited.Message.Text != "Hello" || edited.Message.EditedAt == nil {
		t.Fatalf("edited = %v", edited.Message)
	}
	if _, err := lan.Conversation.EditMessage(ctx, &livechatv1.EditMessageRequest{MessageId: note.Message.Id, Text: "check the card twice"}); err != nil {
		t.Fatal(err)
	}
	deleted, err := visitor.DeleteMessage(ctx, &livechatv1.WidgetServiceDeleteMessageRequest{MessageId: sent.Message.Id})
	if err != nil {
		t.Fatal(err)
	}
	if deleted.Message.Text != "" || deleted.Message.DeletedAt == nil {
		t.Fatalf("deleted = %v", deleted.Message)
	}

	// Live: the reply's edit, then the deletion; the note's edit never.
	// The conversation's creation is where the replay below starts.
	var got []*livechatv1.Message
	var cursor string
	for len(got) < 2 {
		res, err := stream.Receive()
		if err != nil {
			t.Fatal(err)
		}
		ev := res.GetEvent()
		if ev.GetConversationCreated() != nil {
			cursor = ev.Cursor
		}
		if m := ev.GetMessageUpdated(); m != nil {
			if m.Internal {
				t.Fatal("the visitor's stream has a note's change")
			}
			got = append(got, m)
		}
	}
	if cursor == "" {
		t.Fatal("no conversation_created event")
	}
	if got[0].Id != reply.Message.Id || got[0].Text != "Hello" || got[0].EditedAt == nil {
		t.Fatalf("first change = %v", got[0])
	}
	if got[1].Id != sent.Message.Id || got[1].Text != "" || got[1].DeletedAt == nil {
		t.Fatalf("second change = %v", got[1])
	}

	// A resumed stream replays the changes, the messages as they are now.
	replay, err := visitor.Subscribe(ctx, &livechatv1.WidgetServiceSubscribeRequest{Cursor: cursor})
	if err != nil {
		t.Fatal(err)
	}
	updates := 0
	var replayedFirst *livechatv1.Message
	for {
		res, err := replay.Receive()
		if err != nil {
			t.Fatal(err)
		}
		ev := res.GetEvent()
		if ev.GetReady() != nil {
			break
		}
		for _, m := range []*livechatv1.Message{ev.GetMessageCreated(), ev.GetMessageUpdated()} {
			if m == nil {
				continue
			}
			if m.Internal || strings.Contains(m.Text, "4111") || m.Text == "Helo" {
				t.Fatalf("the visitor's replay shows %v", m)
			}
		}
		if ev.GetMessageUpdated() != nil {
			updates++
		}
		if m := ev.GetMessageCreated(); m != nil && m.Id == sent.Message.Id {
			replayedFirst = m
		}
	}
	if updates != 2 {
		t.Fatalf("the replay has %d changes, want 2", updates)
	}
	if replayedFirst == nil || replayedFirst.DeletedAt == nil || replayedFirst.Text != "" {
		t.Fatalf("the replayed creation of the deleted message is %v", replayedFirst)
	}

	// The visitor's timeline holds only what is now.
	page, err := visitor.ListMessages(ctx, &livechatv1.WidgetServiceListMessagesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range page.Messages {
		if strings.Contains(m.Text, "4111") {
			t.Fatalf("the visitor's timeline shows %v", m)
		}
	}

	// Admins read the replaced texts; other agents may not.
	revs, err := a.admin.Conversation.ListMessageRevisions(ctx, &livechatv1.ListMessageRevisionsRequest{MessageId: sent.Message.Id})
	if err != nil {
		t.Fatal(err)
	}
	if len(revs.Revisions) != 1 || revs.Revisions[0].Text != "card 4111 1111" || !revs.Revisions[0].Deleted {
		t.Fatalf("revisions = %v", revs.Revisions)
	}
	_, err = lan.Conversation.ListMessageRevisions(ctx, &livechatv1.ListMessageRevisionsRequest{MessageId: sent.Message.Id})
	if connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("an agent reads revisions: %v", err)
	}

	// Refusals carry their reasons.
	_, err = a.admin.Conversation.EditMessage(ctx, &livechatv1.EditMessageRequest{MessageId: reply.Message.Id, Text: "x"})
	apptest.WantReason(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_NOT_MESSAGE_SENDER)
	_, err = visitor.EditMessage(ctx, &livechatv1.WidgetServiceEditMessageRequest{MessageId: sent.Message.Id, Text: "x"})
	apptest.WantReason(t, err, connect.CodeFailedPrecondition, livechatv1.ErrorReason_ERROR_REASON_MESSAGE_DELETED)
	_, err = visitor.DeleteMessage(ctx, &livechatv1.WidgetServiceDeleteMessageRequest{MessageId: note.Message.Id})
	apptest.WantReason(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_MESSAGE_NOT_FOUND)
	_, err = lan.Conversation.EditMessage(ctx, &livechatv1.EditMessageRequest{MessageId: "nope", Text: "x"})
	apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID)
	_, err = lan.Conversation.EditMessage(ctx, &livechatv1.EditMessageRequest{MessageId: reply.Message.Id, Text: ""})
	apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_TEXT_EMPTY)
}
