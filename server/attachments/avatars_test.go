package attachments_test

import (
	"bytes"
	"encoding/json"
	"image"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/attachments"
)

// setAvatar posts (or, with a nil body, deletes) an avatar with c's
// credentials; query names whose ("agent_id=…", "token_id=…" or "").
func setAvatar(t *testing.T, srv *apptest.Server, c *apptest.Client, query string, body []byte) (string, *uploadErr) {
	t.Helper()
	method, rd := http.MethodDelete, io.Reader(nil)
	if body != nil {
		method, rd = http.MethodPost, bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx(t), method, srv.URL+strings.TrimSuffix(attachments.AvatarPath, "/")+"?"+query, rd)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return "", parseError(t, res.StatusCode, data)
	}
	var out struct{ AvatarURL string }
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out.AvatarURL, nil
}

// TestAvatars: an agent's photo becomes a public, cacheable 128-pixel
// square shown with the agent's messages to visitors; a non-image is
// refused; only admins set another's (an agent's or a bot's).
func TestAvatars(t *testing.T) { eachStore(t, testAvatars) }

func testAvatars(t *testing.T, store apptest.Option) {
	e := newEnv(t, store)
	// A wide photo carrying EXIF with a GPS position.
	photo := gpsJPEG(t)
	link, uerr := setAvatar(t, e.Server, e.Lan, "", photo)
	if uerr != nil {
		t.Fatalf("upload: %v", uerr)
	}
	if !strings.HasPrefix(link, attachments.AvatarPath) || !strings.HasSuffix(link, ".jpg") {
		t.Fatalf("avatar URL %q", link)
	}
	me, err := e.Lan.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
	if err != nil || me.Agent.AvatarUrl != link {
		t.Fatalf("GetMe avatar %q, %v", me.GetAgent().GetAvatarUrl(), err)
	}

	t.Run("served publicly, cached for ever, a square without metadata", func(t *testing.T) {
		res, body := get(t, e.Server, link, nil) // no credentials
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" ||
			!strings.Contains(res.Header.Get("Cache-Control"), "public") || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") ||
			res.Header.Get("Cross-Origin-Resource-Policy") != "cross-origin" {
			t.Fatalf("%d %v", res.StatusCode, res.Header)
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(body))
		if err != nil || cfg.Width != cfg.Height || cfg.Width > attachments.AvatarSide {
			t.Fatalf("avatar %dx%d, %v", cfg.Width, cfg.Height, err)
		}
		if bytes.Contains(body, []byte("Exif")) || bytes.Contains(body, []byte("GPS")) {
			t.Fatal("the avatar kept the photo's EXIF")
		}
		if res, _ := get(t, e.Server, attachments.AvatarPath+strings.Repeat("0", 64)+".jpg", nil); res.StatusCode != http.StatusNotFound {
			t.Fatalf("an unknown avatar: %d", res.StatusCode)
		}
	})

	t.Run("a non-image is refused with the reason", func(t *testing.T) {
		for name, body := range map[string][]byte{"a PDF": pdf, "text": []byte("hello"), "an executable named .png": append([]byte("MZ\x90\x00"), make([]byte, 64)...)} {
			_, uerr := setAvatar(t, e.Server, e.Lan, "name=me.png", body)
			if uerr == nil || uerr.status != 400 || uerr.detail.GetReason() != livechatv1.ErrorReason_ERROR_REASON_FILE_TYPE_NOT_ALLOWED {
				t.Fatalf("%s: %+v", name, uerr)
			}
		}
		if me, _ := e.Lan.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{}); me.GetAgent().GetAvatarUrl() != link {
			t.Fatal("a refused upload changed the avatar")
		}
	})

	t.Run("visitors see it beside the agent's messages", func(t *testing.T) {
		visitor := e.visitor(t)
		sent, err := visitor.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "Hello", ClientMessageId: "v-1"})
		if err != nil {
			t.Fatal(err)
		}
		convID := sent.Message.ConversationId
		if _, err := e.Lan.Conversation.ClaimConversation(ctx(t), &livechatv1.ClaimConversationRequest{ConversationId: convID}); err != nil {
			t.Fatal(err)
		}
		reply, err := e.Lan.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{ConversationId: convID, Text: "Hi!", ClientMessageId: "r-1"})
		if err != nil || reply.Message.SenderAvatarUrl != link {
			t.Fatalf("the reply's avatar %q, %v", reply.GetMessage().GetSenderAvatarUrl(), err)
		}
		page, err := visitor.Widget.ListMessages(ctx(t), &livechatv1.WidgetServiceListMessagesRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var avatars []string
		for _, m := range page.Messages {
			if m.SenderType != livechatv1.SenderType_SENDER_TYPE_SYSTEM {
				avatars = append(avatars, m.SenderAvatarUrl)
			}
		}
		if strings.Join(avatars, ",") != ","+link {
			t.Fatalf("the visitor's messages carry avatars %q", avatars)
		}
	})

	t.Run("only admins set another's", func(t *testing.T) {
		minh, err := e.Minh.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
		if err != nil {
			t.Fatal(err)
		}
		shot := screenshot(t, 300, 200)
		if _, uerr := setAvatar(t, e.Server, e.Lan, "agent_id="+minh.Agent.Id, shot); uerr == nil || uerr.detail.GetReason() != livechatv1.ErrorReason_ERROR_REASON_ADMIN_REQUIRED {
			t.Fatalf("an agent set a colleague's avatar: %+v", uerr)
		}
		set, uerr := setAvatar(t, e.Server, e.Admin, "agent_id="+minh.Agent.Id, shot)
		if uerr != nil || set == link {
			t.Fatalf("the admin's upload for Minh: %q %v", set, uerr)
		}
		agents, err := e.Admin.Auth.ListAgents(ctx(t), &livechatv1.ListAgentsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range agents.Agents {
			if a.Id == minh.Agent.Id && a.AvatarUrl != set {
				t.Fatalf("Minh's avatar in the list %q", a.AvatarUrl)
			}
		}
		// A bot's picture, on its token.
		tok, err := e.Admin.Auth.CreateApiToken(ctx(t), &livechatv1.CreateApiTokenRequest{Name: "Helper", BotName: "Shop bot", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT})
		if err != nil {
			t.Fatal(err)
		}
		if _, uerr := setAvatar(t, e.Server, e.Lan, "token_id="+tok.Token.Id, shot); uerr == nil {
			t.Fatal("an agent set a bot's avatar")
		}
		if _, uerr := setAvatar(t, e.Server, e.Admin, "token_id="+tok.Token.Id, shot); uerr != nil {
			t.Fatal(uerr)
		}
		list, err := e.Admin.Auth.ListApiTokens(ctx(t), &livechatv1.ListApiTokensRequest{})
		if err != nil || len(list.Tokens) == 0 || list.Tokens[0].AvatarUrl != set {
			t.Fatalf("the bot's avatar %v, %v", list, err)
		}
		// The bot's messages show its picture, its admin's the admin's (none).
		sent, err := e.visitor(t).Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "Bot?", ClientMessageId: "v-2"})
		if err != nil {
			t.Fatal(err)
		}
		bot := e.Server.NewClient(http.Header{"Authorization": {"Bearer " + tok.Secret}})
		byBot, err := bot.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{ConversationId: sent.Message.ConversationId, Text: "Beep", ClientMessageId: "b-1"})
		if err != nil || byBot.Message.SenderName != "Shop bot" || byBot.Message.SenderAvatarUrl != set {
			t.Fatalf("the bot's message %v, %v", byBot.GetMessage(), err)
		}
		byAdmin, err := e.Admin.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{ConversationId: sent.Message.ConversationId, Text: "Hi", ClientMessageId: "a-1"})
		if err != nil || byAdmin.Message.SenderAvatarUrl != "" {
			t.Fatalf("the admin's message %v, %v", byAdmin.GetMessage(), err)
		}
		// Removing.
		if gone, uerr := setAvatar(t, e.Server, e.Admin, "agent_id="+url.QueryEscape(minh.Agent.Id), nil); uerr != nil || gone != "" {
			t.Fatalf("remove: %q %v", gone, uerr)
		}
	})
}
