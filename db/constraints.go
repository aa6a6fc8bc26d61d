package db

import "github.com/opensupport/livechat/server/apperr"

// Constraint is the name of a constraint (or unique index) in the schema.
// The constants are the ones domain code asks about with Violated.
type Constraint string

// Constraints domain code asks about by name.
const (
	// AgentUsernameKey: usernames are unique.
	AgentUsernameKey Constraint = "agents_username_key"
	// WidgetSiteKeyKey: site keys are unique.
	WidgetSiteKeyKey Constraint = "widgets_site_key_key"
	// CustomerVerifiedUserKey: one customer per verified user id and widget.
	CustomerVerifiedUserKey Constraint = "customers_widget_id_verified_user_id_key"
	// AgentMessageKey: an agent's client_message_id is unique per
	// conversation (the idempotency key of a send).
	AgentMessageKey Constraint = "messages_agent_key"
	// CustomerMessageKey: a customer's client_message_id is unique.
	CustomerMessageKey Constraint = "messages_customer_key"
	// VisitorSessionTokenKey: visitor token hashes are unique.
	VisitorSessionTokenKey Constraint = "visitor_sessions_token_hash_key"
	// CannedTeamShortcutKey: team-wide canned responses' shortcuts are
	// unique; CannedPersonalShortcutKey: so are each agent's own.
	CannedTeamShortcutKey     Constraint = "canned_responses_team_shortcut_key"
	CannedPersonalShortcutKey Constraint = "canned_responses_personal_shortcut_key"
	// TagNameKey: tag names are unique, whatever their case.
	TagNameKey Constraint = "tags_name_key"
	// AttributeKeyKey: custom customer attribute keys are unique.
	AttributeKeyKey Constraint = "customer_attribute_definitions_key_key"
	// TeamNameKey: team names are unique, whatever their case.
	TeamNameKey Constraint = "teams_name_key"
	// SavedViewNameKey: an agent's view names are unique, whatever their case.
	SavedViewNameKey Constraint = "saved_views_name_key"
)

// meaning is what the violation of a constraint means to a client.
type meaning struct {
	reason  apperr.Reason
	field   string
	message string
}

// constraints maps every constraint a request can violate to its meaning,
// so a violation reaches the client as a clear error with a reason (a test
// checks every name exists in the migrated schema). Domain validation
// should refuse bad input first; these are the last line, and they make a
// race (two sign-ups for one username) a clear conflict, not a fault.
var constraints = map[Constraint]meaning{
	AgentUsernameKey:          {apperr.AlreadyExists, "username", "the username is taken"},
	WidgetSiteKeyKey:          {apperr.AlreadyExists, "site_key", "the site key is taken"},
	CustomerVerifiedUserKey:   {apperr.AlreadyExists, "identity.user_id", "a customer with this user id already exists"},
	AgentMessageKey:           {apperr.AlreadyExists, "client_message_id", "a message with this client_message_id already exists"},
	CustomerMessageKey:        {apperr.AlreadyExists, "client_message_id", "a message with this client_message_id already exists"},
	CannedTeamShortcutKey:     {apperr.AlreadyExists, "shortcut", "the shortcut is taken"},
	CannedPersonalShortcutKey: {apperr.AlreadyExists, "shortcut", "the shortcut is taken"},

	TagNameKey: {apperr.AlreadyExists, "name", "a tag with this name exists"},

	TeamNameKey:                   {apperr.AlreadyExists, "name", "a team with this name exists"},
	SavedViewNameKey:              {apperr.AlreadyExists, "name", "you have a view with this name"},
	"teams_name_check":            {apperr.InvalidValue, "name", "a team name must be 1–64 characters"},
	"saved_views_name_check":      {apperr.InvalidValue, "name", "a view name must be 1–64 characters"},
	"team_members_agent_id_fkey":  {apperr.AgentNotFound, "agent_ids", "agent not found"},
	"widget_routing_team_id_fkey": {apperr.TeamNotFound, "routing.team_id", "team not found"},

	AttributeKeyKey:    {apperr.AlreadyExists, "key", "an attribute with this key exists"},
	"tags_name_check":  {apperr.InvalidValue, "name", "a tag name must be 1–32 characters"},
	"tags_color_check": {apperr.InvalidValue, "color", "unknown tag colour"},

	"canned_responses_shortcut_check": {apperr.InvalidValue, "shortcut", "shortcut must be 1–32 characters of a-z, 0-9, '-' and '_'"},
	"canned_responses_title_check":    {apperr.InvalidValue, "title", "title must be 1–80 characters"},
	"canned_responses_text_check":     {apperr.InvalidValue, "text", "text must be 1–4000 characters"},
	"canned_responses_text_en_check":  {apperr.InvalidValue, "texts.en", "text must be at most 4000 characters"},
	"canned_responses_text_vi_check":  {apperr.InvalidValue, "texts.vi", "text must be at most 4000 characters"},
	"canned_responses_owner_id_fkey":  {apperr.AgentNotFound, "agent_id", "agent not found"},

	"agents_username_check":            {apperr.InvalidValue, "username", "username must be 3–32 characters of a-z, 0-9, '.', '_' and '-'"},
	"agents_display_name_check":        {apperr.InvalidValue, "display_name", "display name must be 1–64 characters"},
	"agents_role_check":                {apperr.InvalidValue, "role", "role must be agent or admin"},
	"agents_idle_away_seconds_check":   {apperr.InvalidValue, "idle_away_seconds", "idle time must be 0 (never) to 86400 seconds"},
	"agents_status_check":              {apperr.InvalidValue, "status", "status must be online, away or invisible"},
	"api_tokens_name_check":            {apperr.InvalidValue, "name", "token name must be 1–64 characters"},
	"api_tokens_scope_check":           {apperr.InvalidValue, "scope", "scope must be agent or admin"},
	"conversations_status_check":       {apperr.InvalidValue, "status", "unknown conversation status"},
	"messages_client_message_id_check": {apperr.InvalidValue, "client_message_id", "client_message_id must be 1–64 characters"},

	"agent_sessions_agent_id_fkey":            {apperr.AgentNotFound, "agent_id", "agent not found"},
	"api_tokens_agent_id_fkey":                {apperr.AgentNotFound, "agent_id", "agent not found"},
	"agent_streams_agent_id_fkey":             {apperr.AgentNotFound, "agent_id", "agent not found"},
	"conversations_assignee_id_fkey":          {apperr.AgentNotFound, "agent_id", "agent not found"},
	"conversations_customer_id_fkey":          {apperr.CustomerNotFound, "customer_id", "customer not found"},
	"visitor_sessions_customer_id_fkey":       {apperr.CustomerNotFound, "customer_id", "customer not found"},
	"customers_widget_id_fkey":                {apperr.WidgetNotFound, "widget_id", "widget not found"},
	"conversations_widget_id_fkey":            {apperr.WidgetNotFound, "widget_id", "widget not found"},
	"visitor_sessions_widget_id_fkey":         {apperr.WidgetNotFound, "widget_id", "widget not found"},
	"messages_conversation_id_fkey":           {apperr.ConversationNotFound, "conversation_id", "conversation not found"},
	"conversation_reads_conversation_id_fkey": {apperr.ConversationNotFound, "conversation_id", "conversation not found"},
}

// ConstraintNames lists the constraints the edge gives a meaning to.
func ConstraintNames() []Constraint {
	out := make([]Constraint, 0, len(constraints))
	for c := range constraints {
		out = append(out, c)
	}
	return out
}
