package auth_test

import (
	"fmt"
	"testing"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
)

// Agents, API tokens and widgets page by cursor: every row once, in order,
// under filters; without page_size the first page is all of a small list,
// as old callers expect; a malformed token is MALFORMED_CURSOR.
func TestListsPageByCursor(t *testing.T) {
	tm := apptest.NewTeam(t) // root, lan, minh
	c := t.Context()
	for i := range 3 {
		name := fmt.Sprintf("agent%d", i)
		if _, err := tm.Admin.Auth.CreateAgent(c, &livechatv1.CreateAgentRequest{
			Username: name, DisplayName: "Zed " + name, Role: livechatv1.AgentRole_AGENT_ROLE_AGENT, Password: apptest.TeamPassword,
		}); err != nil {
			t.Fatal(err)
		}
		bot := ""
		if i%2 == 0 {
			bot = "Bot " + name
		}
		if _, err := tm.Admin.Auth.CreateApiToken(c, &livechatv1.CreateApiTokenRequest{Name: name, Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT, BotName: bot}); err != nil {
			t.Fatal(err)
		}
		if _, err := tm.Admin.Widget.CreateWidget(c, &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop " + name}}); err != nil {
			t.Fatal(err)
		}
	}

	all, err := tm.Admin.Auth.ListAgents(c, &livechatv1.ListAgentsRequest{})
	if err != nil || len(all.Agents) != 6 || all.NextPageToken != "" {
		t.Fatalf("old callers: %d agents, token %q, %v", len(all.GetAgents()), all.GetNextPageToken(), err)
	}
	var names []string
	tok := ""
	for {
		page, err := tm.Admin.Auth.ListAgents(c, &livechatv1.ListAgentsRequest{PageSize: 4, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Agents {
			names = append(names, a.DisplayName)
		}
		if tok = page.NextPageToken; tok == "" {
			break
		}
	}
	if fmt.Sprint(names) != fmt.Sprint(func() []string {
		var out []string
		for _, a := range all.Agents {
			out = append(out, a.DisplayName)
		}
		return out
	}()) {
		t.Fatalf("pages gave %v", names)
	}
	zed, err := tm.Admin.Auth.ListAgents(c, &livechatv1.ListAgentsRequest{Query: "ZED", PageSize: 2})
	if err != nil || len(zed.Agents) != 2 || zed.NextPageToken == "" {
		t.Fatalf("query: %v %v", zed, err)
	}
	rest, err := tm.Admin.Auth.ListAgents(c, &livechatv1.ListAgentsRequest{Query: "ZED", PageSize: 2, PageToken: zed.NextPageToken})
	if err != nil || len(rest.Agents) != 1 || rest.Agents[0].DisplayName != "Zed agent2" || rest.NextPageToken != "" {
		t.Fatalf("second page: %v %v", rest, err)
	}
	admins, err := tm.Admin.Auth.ListAgents(c, &livechatv1.ListAgentsRequest{Role: livechatv1.AgentRole_AGENT_ROLE_ADMIN})
	if err != nil || len(admins.Agents) != 1 {
		t.Fatalf("admins: %v %v", admins, err)
	}
	_, err = tm.Admin.Auth.ListAgents(c, &livechatv1.ListAgentsRequest{PageToken: "!!"})
	apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_CURSOR)
	_, err = tm.Admin.Auth.ListAgents(c, &livechatv1.ListAgentsRequest{PageSize: 501})
	apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_TOO_MANY_ITEMS)

	bots, err := tm.Admin.Auth.ListApiTokens(c, &livechatv1.ListApiTokensRequest{BotsOnly: true, PageSize: 1})
	if err != nil || len(bots.Tokens) != 1 || bots.Tokens[0].Name != "agent2" || bots.NextPageToken == "" {
		t.Fatalf("bots: %v %v", bots, err)
	}
	bots, err = tm.Admin.Auth.ListApiTokens(c, &livechatv1.ListApiTokensRequest{BotsOnly: true, PageSize: 1, PageToken: bots.NextPageToken})
	if err != nil || len(bots.Tokens) != 1 || bots.Tokens[0].Name != "agent0" {
		t.Fatalf("bots, page 2: %v %v", bots, err)
	}

	ws, err := tm.Admin.Widget.ListWidgets(c, &livechatv1.ListWidgetsRequest{PageSize: 2})
	if err != nil || len(ws.Widgets) != 2 || ws.Widgets[0].Settings.Name != "Shop agent0" || ws.NextPageToken == "" {
		t.Fatalf("widgets: %v %v", ws, err)
	}
	ws, err = tm.Admin.Widget.ListWidgets(c, &livechatv1.ListWidgetsRequest{PageSize: 2, PageToken: ws.NextPageToken})
	if err != nil || len(ws.Widgets) != 1 || ws.Widgets[0].Settings.Name != "Shop agent2" || ws.NextPageToken != "" {
		t.Fatalf("widgets, page 2: %v %v", ws, err)
	}
	one, err := tm.Admin.Widget.ListWidgets(c, &livechatv1.ListWidgetsRequest{Query: "AGENT1"})
	if err != nil || len(one.Widgets) != 1 {
		t.Fatalf("widget query: %v %v", one, err)
	}
}
