package webhooks_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/webhooks"
)

func TestInputValidation(t *testing.T) {
	e := newEnv(t)
	svc := e.service(webhooks.Options{})
	msg := []webhooks.EventType{webhooks.MessageCreated}
	for _, tc := range []struct {
		name   string
		in     webhooks.Input
		reason apperr.Reason
		field  string
	}{
		{"no URL", webhooks.Input{EventTypes: msg}, apperr.Required, "url"},
		{"not http", webhooks.Input{URL: "ftp://example.com/x", EventTypes: msg}, apperr.WebhookURLInvalid, "url"},
		{"relative", webhooks.Input{URL: "/hooks", EventTypes: msg}, apperr.WebhookURLInvalid, "url"},
		{"credentials in the URL", webhooks.Input{URL: "https://u:p@example.com/", EventTypes: msg}, apperr.WebhookURLInvalid, "url"},
		{"too long", webhooks.Input{URL: "https://example.com/" + strings.Repeat("a", webhooks.MaxURL), EventTypes: msg}, apperr.WebhookURLInvalid, "url"},
		{"no types", webhooks.Input{URL: "https://example.com/"}, apperr.Required, "event_types"},
		{"unknown type", webhooks.Input{URL: "https://example.com/", EventTypes: []webhooks.EventType{"message.exploded"}}, apperr.InvalidValue, "event_types"},
		{"loopback", webhooks.Input{URL: "http://127.0.0.1:8080/", EventTypes: msg}, apperr.WebhookTargetNotAllowed, "url"},
		{"metadata", webhooks.Input{URL: "http://169.254.169.254/latest/meta-data/", EventTypes: msg}, apperr.WebhookTargetNotAllowed, "url"},
		{"private IPv6", webhooks.Input{URL: "http://[fd00::1]/", EventTypes: msg}, apperr.WebhookTargetNotAllowed, "url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := svc.CreateWebhook(bg, e.admin, tc.in)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Reason != tc.reason || ae.Field != tc.field {
				t.Fatalf("err = %v, want %s on %s", err, tc.reason, tc.field)
			}
		})
	}
	t.Run("private targets allowed explicitly", func(t *testing.T) {
		w, secret, err := svc.CreateWebhook(bg, e.admin, webhooks.Input{URL: "http://127.0.0.1:8080/", EventTypes: msg, AllowPrivateNetwork: true})
		if err != nil || !strings.HasPrefix(secret, "whsec_") || len(secret) != len("whsec_")+32 || !w.AllowPrivateNetwork {
			t.Fatalf("%+v %q %v", w, secret, err)
		}
		// The secret is stored sealed, not in clear.
		var sealed string
		if err := e.pool.QueryRow(bg, `SELECT secret_sealed FROM webhooks WHERE id = $1`, w.ID).Scan(&sealed); err != nil || strings.Contains(sealed, secret) {
			t.Fatalf("stored %q", sealed)
		}
		_, again, err := svc.RotateSecret(bg, e.admin, w.ID)
		if err != nil || again == secret || !strings.HasPrefix(again, "whsec_") {
			t.Fatalf("rotate: %q %v", again, err)
		}
	})
	t.Run("unknown ids", func(t *testing.T) {
		if _, err := svc.UpdateWebhook(bg, e.admin, uuid.New(), webhooks.Input{URL: "https://example.com/", EventTypes: msg}); !apperr.Is(err, apperr.NotFound) {
			t.Fatal(err)
		}
		if err := svc.DeleteWebhook(bg, e.admin, uuid.New()); !apperr.Is(err, apperr.NotFound) {
			t.Fatal(err)
		}
		if _, _, err := svc.RotateSecret(bg, e.admin, uuid.New()); !apperr.Is(err, apperr.NotFound) {
			t.Fatal(err)
		}
		if _, err := svc.Replay(bg, e.admin, uuid.New(), time.Now()); !apperr.Is(err, apperr.NotFound) {
			t.Fatal(err)
		}
		if _, err := svc.ListDeliveries(bg, e.admin, uuid.New(), 0, ""); !apperr.Is(err, apperr.NotFound) {
			t.Fatal(err)
		}
		if _, err := svc.Resend(bg, e.admin, 12345); !apperr.Is(err, apperr.NotFound) {
			t.Fatal(err)
		}
	})
	t.Run("at most MaxWebhooks", func(t *testing.T) {
		ws, _ := svc.ListWebhooks(bg, e.admin)
		for range webhooks.MaxWebhooks - len(ws) {
			if _, _, err := svc.CreateWebhook(bg, e.admin, webhooks.Input{URL: "https://example.com/", EventTypes: msg}); err != nil {
				t.Fatal(err)
			}
		}
		_, _, err := svc.CreateWebhook(bg, e.admin, webhooks.Input{URL: "https://example.com/", EventTypes: msg})
		if !apperr.Is(err, apperr.TooManyItems) {
			t.Fatalf("err = %v", err)
		}
	})
}

// A name that resolves to a loopback address passes creation (names are
// checked when dialled) and is refused at delivery, with the reason shown.
func TestDeliveryRefusesPrivateTargets(t *testing.T) {
	e := newEnv(t)
	svc := e.service(webhooks.Options{BaseBackoff: time.Minute})
	rcv := newReceiver(t)
	url := strings.Replace(rcv.URL, "127.0.0.1", "localhost", 1)
	w, _, err := svc.CreateWebhook(bg, e.admin, webhooks.Input{URL: url, EventTypes: []webhooks.EventType{webhooks.MessageCreated}, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	e.run(svc)
	e.open("hello")
	var ws []webhooks.Webhook
	eventually(t, "the refusal", func() bool {
		ws, _ = svc.ListWebhooks(bg, e.admin)
		return ws[0].State == webhooks.Retrying
	})
	if !strings.Contains(ws[0].LastError, "loopback") || !strings.Contains(ws[0].LastError, "allow the private network") {
		t.Fatalf("last error %q", ws[0].LastError)
	}
	if rcv.count() != 0 {
		t.Fatalf("the loopback receiver got %d requests", rcv.count())
	}
	// Allowed by an admin, the retry goes through.
	if _, err := svc.UpdateWebhook(bg, e.admin, w.ID, webhooks.Input{URL: url, EventTypes: w.EventTypes, Enabled: true, AllowPrivateNetwork: true}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Minute)
	eventually(t, "the delivery", func() bool { return len(rcv.accepted()) == 1 })
}
