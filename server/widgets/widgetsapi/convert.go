package widgetsapi

import (
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/protoconv"
	"github.com/opensupport/livechat/server/routing/routingapi"
	"github.com/opensupport/livechat/server/widgets"
)

// The domain's enums are numbered as the API's, so they convert by a cast
// and a value the domain does not know reaches its validation as itself.

// settingsFromProto converts an admin's settings; nil is the zero Settings,
// which validation refuses for its missing name.
func settingsFromProto(in *livechatv1.WidgetSettings) widgets.Settings {
	s := widgets.Settings{Name: in.GetName(), AllowedOrigins: in.GetAllowedOrigins()}
	if a := in.GetAppearance(); a != nil {
		s.Appearance = widgets.Appearance{
			PrimaryColor:  a.PrimaryColor,
			Position:      widgets.Position(a.Position),
			Title:         a.Title,
			Greeting:      a.Greeting,
			LauncherLabel: a.LauncherLabel,
			Locale:        widgets.Locale(a.Locale),
		}
	}
	if p := in.GetPrechat(); p != nil {
		s.Prechat.Enabled = p.Enabled
		for _, f := range p.Fields {
			s.Prechat.Fields = append(s.Prechat.Fields, widgets.PrechatField{
				Key: f.GetKey(), Label: f.GetLabel(), Type: widgets.FieldType(f.GetType()), Required: f.GetRequired(),
			})
		}
	}
	if o := in.GetOffline(); o != nil {
		s.Offline = widgets.Offline{Message: o.Message, CollectEmail: o.CollectEmail}
	}
	s.Csat = widgets.CsatScale(in.GetCsat())
	for _, k := range in.GetAttachmentKinds() {
		s.AttachmentKinds = append(s.AttachmentKinds, attachments.Kind(k))
	}
	if v := in.GetVisitorTracking(); v != nil {
		s.Tracking = widgets.Tracking{PagesOff: v.PagesOff, KeepQueryStrings: v.KeepQueryStrings, TrackVisits: v.TrackVisits, ProactiveOff: v.ProactiveOff}
		for _, t := range v.GetTriggers() {
			s.Tracking.Triggers = append(s.Tracking.Triggers, widgets.Trigger{Pattern: t.GetUrlPattern(), Delay: int(t.GetDelaySeconds()), TextEn: t.GetTextEn(), TextVi: t.GetTextVi()})
		}
	}
	if len(in.GetTranslations()) > 0 {
		s.Translations = make(map[string]widgets.Texts, len(in.Translations))
		for lang, t := range in.Translations {
			s.Translations[lang] = widgets.Texts{
				Title:          t.GetTitle(),
				Greeting:       t.GetGreeting(),
				LauncherLabel:  t.GetLauncherLabel(),
				OfflineMessage: t.GetOfflineMessage(),
				PrechatLabels:  t.GetPrechatLabels(),
			}
		}
	}
	return s
}

func settingsProto(s widgets.Settings) *livechatv1.WidgetSettings {
	return &livechatv1.WidgetSettings{
		Name:            s.Name,
		AllowedOrigins:  s.AllowedOrigins,
		Appearance:      appearanceProto(s.Appearance),
		Prechat:         prechatProto(s.Prechat),
		Offline:         offlineProto(s.Offline),
		Translations:    translationsProto(s.Translations),
		Csat:            livechatv1.CsatScale(s.Csat),
		VisitorTracking: trackingProto(s.Tracking),
		AttachmentKinds: kindsProto(s.AttachmentKinds),
	}
}

func kindsProto(ks []attachments.Kind) []livechatv1.AttachmentKind {
	out := make([]livechatv1.AttachmentKind, len(ks))
	for i, k := range ks {
		out[i] = livechatv1.AttachmentKind(k)
	}
	return out
}

func trackingProto(t widgets.Tracking) *livechatv1.VisitorTracking {
	p := &livechatv1.VisitorTracking{PagesOff: t.PagesOff, KeepQueryStrings: t.KeepQueryStrings, TrackVisits: t.TrackVisits, ProactiveOff: t.ProactiveOff}
	for _, tr := range t.Triggers {
		p.Triggers = append(p.Triggers, &livechatv1.ChatTrigger{UrlPattern: tr.Pattern, DelaySeconds: int32(tr.Delay), TextEn: tr.TextEn, TextVi: tr.TextVi})
	}
	return p
}

func appearanceProto(a widgets.Appearance) *livechatv1.WidgetAppearance {
	return &livechatv1.WidgetAppearance{
		PrimaryColor:  a.PrimaryColor,
		Position:      livechatv1.WidgetPosition(a.Position),
		Title:         a.Title,
		Greeting:      a.Greeting,
		LauncherLabel: a.LauncherLabel,
		Locale:        livechatv1.WidgetLocale(a.Locale),
	}
}

func prechatProto(p widgets.PrechatForm) *livechatv1.PrechatForm {
	out := &livechatv1.PrechatForm{Enabled: p.Enabled}
	for _, f := range p.Fields {
		out.Fields = append(out.Fields, &livechatv1.PrechatField{
			Key: f.Key, Label: f.Label, Type: livechatv1.PrechatFieldType(f.Type), Required: f.Required,
		})
	}
	return out
}

func offlineProto(o widgets.Offline) *livechatv1.OfflineSettings {
	return &livechatv1.OfflineSettings{Message: o.Message, CollectEmail: o.CollectEmail}
}

func translationsProto(ts map[string]widgets.Texts) map[string]*livechatv1.WidgetTexts {
	if len(ts) == 0 {
		return nil
	}
	out := make(map[string]*livechatv1.WidgetTexts, len(ts))
	for lang, t := range ts {
		out[lang] = &livechatv1.WidgetTexts{
			Title:          t.Title,
			Greeting:       t.Greeting,
			LauncherLabel:  t.LauncherLabel,
			OfflineMessage: t.OfflineMessage,
			PrechatLabels:  t.PrechatLabels,
		}
	}
	return out
}

func widgetProto(w widgets.Widget) *livechatv1.Widget {
	return &livechatv1.Widget{
		Id:              w.ID.String(),
		SiteKey:         w.SiteKey,
		Settings:        settingsProto(w.Settings),
		CreatedAt:       protoconv.Timestamp(w.CreatedAt),
		UpdatedAt:       protoconv.Timestamp(w.UpdatedAt),
		SecretRotatedAt: protoconv.Timestamp(w.SecretRotatedAt),
	}
}

// configProto is a widget's public config, with the limits the widget
// validates a visitor's input against.
func configProto(c widgets.Config) *livechatv1.WidgetConfig {
	return &livechatv1.WidgetConfig{
		SiteKey:          c.SiteKey,
		Appearance:       appearanceProto(c.Appearance),
		Prechat:          prechatProto(c.Prechat),
		Offline:          offlineProto(c.Offline),
		AgentsOnline:     c.AgentsOnline,
		Translations:     translationsProto(c.Translations),
		Limits:           limits.Proto(),
		Csat:             livechatv1.CsatScale(c.Csat),
		Availability:     routingapi.AvailabilityProto(c.Availability),
		VisitorTracking:  trackingProto(c.Tracking),
		AttachmentAccept: c.AttachmentAccept,
		OnlineAgents:     onlineProto(c.OnlineAgents),
		OnlineAgentCount: int32(c.OnlineAgentCount),
	}
}

func onlineProto(as []widgets.OnlineAgent) []*livechatv1.OnlineAgent {
	out := make([]*livechatv1.OnlineAgent, len(as))
	for i, a := range as {
		out[i] = &livechatv1.OnlineAgent{Name: a.Name, AvatarUrl: a.AvatarURL}
	}
	return out
}
