package app_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/limits"
)

// TestClientsReadTheLimits: the dashboard (GetMe) and the widget
// (GetWidgetConfig) receive the limits the server enforces, so they can
// validate exactly as it does.
func TestClientsReadTheLimits(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := apptest.New(t, func(c *app.Config) { c.ScryptLogN = 10 })
	admin := srv.NewClient(nil)
	if _, err := admin.Auth.Setup(ctx, &livechatv1.SetupRequest{Username: "mai", DisplayName: "Mai", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	me, err := admin.Auth.GetMe(ctx, &livechatv1.GetMeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(me.GetLimits(), limits.Proto()) || me.GetLimits().GetMessageText() != 4000 {
		t.Fatalf("GetMe limits = %v", me.GetLimits())
	}
	w, err := admin.Widget.CreateWidget(ctx, &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := srv.NewClient(nil).Widget.GetWidgetConfig(ctx, &livechatv1.GetWidgetConfigRequest{SiteKey: w.GetWidget().GetSiteKey()})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(cfg.GetConfig().GetLimits(), limits.Proto()) {
		t.Fatalf("WidgetConfig limits = %v", cfg.GetConfig().GetLimits())
	}
}
