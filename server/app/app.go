// Package app wires livechat together: the database, the Connect services,
// the HTTP routes and the server's lifecycle.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	connectv1 "connectrpc.com/connect"
	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/attachments/attachmentsapi"
	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/audit/auditapi"
	"github.com/opensupport/livechat/server/auth"
	"github.com/opensupport/livechat/server/auth/authapi"
	"github.com/opensupport/livechat/server/canned"
	"github.com/opensupport/livechat/server/canned/cannedapi"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/chat/chatapi"
	"github.com/opensupport/livechat/server/csat"
	"github.com/opensupport/livechat/server/csat/csatapi"
	"github.com/opensupport/livechat/server/customers"
	"github.com/opensupport/livechat/server/customers/customersapi"
	"github.com/opensupport/livechat/server/geoip"
	"github.com/opensupport/livechat/server/idempotency"
	"github.com/opensupport/livechat/server/mail"
	"github.com/opensupport/livechat/server/mail/mailapi"
	"github.com/opensupport/livechat/server/outbound"
	"github.com/opensupport/livechat/server/privacy"
	"github.com/opensupport/livechat/server/privacy/privacyapi"
	"github.com/opensupport/livechat/server/realtime"
	"github.com/opensupport/livechat/server/reports"
	"github.com/opensupport/livechat/server/reports/reportsapi"
	"github.com/opensupport/livechat/server/routing"
	"github.com/opensupport/livechat/server/routing/routingapi"
	"github.com/opensupport/livechat/server/secretbox"
	"github.com/opensupport/livechat/server/settings"
	"github.com/opensupport/livechat/server/tags"
	"github.com/opensupport/livechat/server/tags/tagsapi"
	"github.com/opensupport/livechat/server/teams"
	"github.com/opensupport/livechat/server/teams/teamsapi"
	"github.com/opensupport/livechat/server/views"
	"github.com/opensupport/livechat/server/views/viewsapi"
	"github.com/opensupport/livechat/server/webhooks"
	"github.com/opensupport/livechat/server/webhooks/webhooksapi"
	"github.com/opensupport/livechat/server/widgets"
	"github.com/opensupport/livechat/server/widgets/widgetsapi"
)

// App is one livechat server instance.
type App struct {
	cfg  Config
	log  *slog.Logger
	pool *pgxpool.Pool
	rpc  *connect.Server
	auth *auth.Service
	mux  *http.ServeMux
	// edgeState: TLS, trusted proxies, metrics and the open streams.
	edgeState
	// geo locates visitors' addresses; nil without --geoip-db.
	geo *geoip.DB
	// onShutdown runs when a graceful shutdown starts, before in-flight calls
	// finish: live streams end here so clients reconnect (to another
	// instance) at once instead of waiting for the timeout.
	onShutdown []func()

	// widgets serves WidgetService and resolves visitor tokens.
	widgets *widgets.Service
	// hub delivers events to every Subscribe stream and tells who is
	// online, across instances.
	hub *realtime.Hub
	// settings stores installation-wide settings; secrets seals the stored
	// secrets the server must read back. Domains that need them get them
	// from here.
	settings *settings.Store
	secrets  *secretbox.Box
	// idempotency remembers the Idempotency-Key of creating calls.
	idempotency *idempotency.Store
	// router drains the routing queue once the hub has started.
	router *routing.Service
	// schema holds the API back while migrations are pending (--no-migrate).
	schema schemaGate
	// webhooks delivers events to the webhooks this instance holds, from
	// when the hub starts until stopDelivery (at shutdown).
	webhooks     *webhooks.Service
	stopDelivery context.CancelFunc
	deliveryCtx  context.Context
	// files keeps the attachments of messages.
	files *attachments.Service
	// mail queues and sends email; its worker runs while Serve does.
	mail *mail.Service
	// receiver takes replies by email on mailLn (nil when off).
	receiver *mailapi.Receiver
	mailLn   net.Listener
	// audit writes and purges the audit log.
	audit *audit.Service
	// privacy exports and erases customers and applies retention.
	privacy *privacy.Service
}

// New builds an App on an open, migrated database.
func New(cfg Config, log *slog.Logger, pool *pgxpool.Pool) (*App, error) {
	a := &App{cfg: cfg, log: log, pool: pool, mux: http.NewServeMux()}
	if err := a.initEdge(); err != nil {
		return nil, err
	}
	box, err := cfg.openSecrets()
	if err != nil {
		return nil, err
	}
	a.secrets = box
	a.settings = settings.New(pool)
	a.idempotency = idempotency.New(pool)
	a.hub = realtime.New(pool, log, cfg.Realtime)
	// The conversation domain, for agents (ConversationService) and visitors
	// (WidgetService). It tells the hub of every commit, and the hub reads
	// events back through it.
	conversations := chat.New(pool, a.hub)
	conversations.EditWindow = cfg.MessageEditWindow
	a.hub.SetLoader(chatapi.NewEvents(conversations))
	// Routing hands waiting conversations of automatic widgets to agents;
	// chat tells it when the queue may move, the hub when agents come online.
	a.router = routing.New(pool, conversations, a.hub, routing.Options{Log: log, Now: cfg.clock()})
	conversations.Router = a.router
	a.hub.SetAvailability(a.router)
	a.widgets = widgets.New(pool, widgets.Options{Limits: cfg.WidgetLimits, Hub: a.hub, Chat: conversations, Hours: a.router, Secrets: a.secrets})
	// Email: the chat domain queues mail in its transactions; the worker
	// acknowledges offline messages only while no agent is online.
	mailCfg := cfg.Mail
	if mailCfg.PublicURL == "" {
		mailCfg.PublicURL = cfg.PublicURL
	}
	a.mail = mail.New(pool, mail.Options{Config: mailCfg, Settings: a.settings, Box: a.secrets, Log: log})
	a.mail.SetPresence(a.hub)
	a.mail.SetChat(conversations)
	conversations.SetMail(a.mail)
	if err := a.listenMail(); err != nil {
		return nil, err
	}
	a.auth = auth.NewService(pool, a.hub, auth.Config{
		SessionIdle: cfg.SessionIdle, SessionMaxAge: cfg.SessionMaxAge,
		Password: auth.PasswordParams{LogN: cfg.ScryptLogN, R: 8, P: 1}, Log: log, Settings: a.settings,
	})
	// Open streams are checked against the sessions, tokens and visitor
	// sessions that opened them.
	a.hub.SetCredentials(credentials{a.auth, a.widgets})
	// A shutdown ends every stream with UNAVAILABLE, so clients reconnect
	// (to another instance) with their cursor at once.
	a.OnShutdown(a.hub.Close)
	web := authapi.Web{PublicURL: cfg.PublicURL, SecureCookies: cfg.SecureCookies}
	// The auth interceptor comes after the error interceptor, so its errors
	// are mapped like every other; the schema interceptor holds the API back
	// until migrations are applied; the edge interceptor comes last, to see
	// the caller (stream limits) and connect-go's errors about the request.
	callers := authapi.NewInterceptor(a.auth, a.widgets, web)
	a.rpc = connect.NewServer(a.observeInterceptor, a.errorInterceptor, a.schemaInterceptor, recoverInterceptor, callers.Intercept, a.edgeInterceptor, a.idempotencyInterceptor)

	// The audit log: handlers record administrative actions and sign-ins.
	a.audit = audit.New(pool, audit.Options{Log: log, Settings: a.settings})
	livechatv1connect.RegisterAuthServiceHandler(a.rpc, authapi.NewHandler(a.auth, web, a.audit))
	livechatv1connect.RegisterConversationServiceHandler(a.rpc, chatapi.NewHandler(conversations, a.hub).WithAudit(a.audit))
	livechatv1connect.RegisterIntegrationServiceHandler(a.rpc, chatapi.NewIntegrationHandler(conversations))
	livechatv1connect.RegisterWidgetServiceHandler(a.rpc, widgetsapi.NewHandler(a.widgets, a.hub, a.audit).WithRatings(csatapi.NewHandler(csat.New(pool, a.hub))))
	livechatv1connect.RegisterCannedResponseServiceHandler(a.rpc, cannedapi.NewHandler(canned.New(pool)))
	livechatv1connect.RegisterTagServiceHandler(a.rpc, tagsapi.NewHandler(tags.New(pool)))
	// Webhooks read the event log through the chat domain's payloads and
	// post through the SSRF-guarded client; delivery starts with the hub.
	whOpts := cfg.Webhooks
	whOpts.Log = log
	a.webhooks = webhooks.New(pool, a.secrets, outbound.New(cfg.Outbound), webhooksapi.NewPayloads(conversations), whOpts)
	a.deliveryCtx, a.stopDelivery = context.WithCancel(context.Background())
	a.OnShutdown(a.stopDelivery)
	livechatv1connect.RegisterWebhookServiceHandler(a.rpc, webhooksapi.NewHandler(a.webhooks, a.audit))
	livechatv1connect.RegisterReportServiceHandler(a.rpc, reportsapi.NewHandler(reports.New(pool)))
	// Files of messages: uploads and downloads are plain HTTP routes.
	store, others, err := AttachmentStores(cfg, pool)
	if err != nil {
		return nil, err
	}
	a.files = attachments.New(pool, store, cfg.Attachments, log, others...)
	conversations.SetAttachments(a.files)
	attachmentsapi.NewHandler(a.files, callers, log).Mount(a.mux)
	livechatv1connect.RegisterRoutingServiceHandler(a.rpc, routingapi.NewHandler(a.router).WithAudit(a.audit))
	livechatv1connect.RegisterTeamServiceHandler(a.rpc, teamsapi.NewHandler(teams.New(pool, a.router)))
	livechatv1connect.RegisterViewServiceHandler(a.rpc, viewsapi.NewHandler(views.New(pool, conversations)))
	livechatv1connect.RegisterMailServiceHandler(a.rpc, mailapi.NewHandler(a.mail).WithAudit(a.audit))
	var geo customers.Geo
	if cfg.GeoIPDB != "" {
		g, err := geoip.Open(cfg.GeoIPDB, log)
		if err != nil {
			return nil, fmt.Errorf("--geoip-db: %w", err)
		}
		log.Info("locating visitors", "geoip_db", cfg.GeoIPDB, "type", g.Type())
		a.geo, geo = g, g
	}
	customerSvc := customers.New(pool, customers.Options{Hub: a.hub, Conversations: conversations, Widgets: a.widgets, Geo: geo,
		Site: a.hub, SiteWidgets: a.widgets, Box: a.secrets})
	livechatv1connect.RegisterCustomerServiceHandler(a.rpc, customersapi.NewHandler(customerSvc))
	livechatv1connect.RegisterVisitorServiceHandler(a.rpc, customersapi.NewVisitorHandler(customerSvc))
	livechatv1connect.RegisterAuditServiceHandler(a.rpc, auditapi.NewHandler(a.audit))
	a.privacy = privacy.New(pool, privacy.Options{Hub: a.hub, Files: a.files, Audit: a.audit, Settings: a.settings, Log: log})
	livechatv1connect.RegisterPrivacyServiceHandler(a.rpc, privacyapi.NewHandler(a.privacy))
	// Reflection lets `buf curl --list-methods` and grpcurl discover the API.
	grpcreflect.Register(a.rpc)

	// No request of the API is anywhere near this size; the limit keeps an
	// anonymous caller from making the server buffer megabytes.
	// Small messages (most events and answers) go uncompressed: gzip
	// costs more CPU than their few bytes are worth.
	connecthttp.Mount(a.mux, a.rpc, connecthttp.WithReadMaxBytes(maxRequestBytes), connecthttp.WithCompressMinBytes(1024))
	healthPath, health := grpchealth.NewHandler(healthChecker{a})
	a.mux.Handle(healthPath, a.endOnShutdown(health))
	a.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	a.mux.HandleFunc("GET /readyz", a.readyz)
	a.mux.HandleFunc("GET "+OpenAPIPath, serveOpenAPI)
	a.mux.Handle(mailapi.Pattern, mailapi.NewUnsubscribe(a.mail))
	if err := a.mountStatic(); err != nil {
		return nil, err
	}
	return a, nil
}

// Handler is the whole HTTP surface of the instance.
func (a *App) Handler() http.Handler {
	// Only WidgetService answers other origins (the websites embedding the
	// widget); everything else stays same-origin.
	return a.edgeMiddleware(a.withRequestID(widgetCORS(a.widgets, a.mux)))
}

// OnShutdown registers fn to run when a graceful shutdown starts.
func (a *App) OnShutdown(fn func()) { a.onShutdown = append(a.onShutdown, fn) }

// Start starts the realtime hub, so that it knows its place in the event
// log and who is online before the first stream opens, or, while
// migrations are pending, once they are applied. Serve calls it; calling it
// before is harmless and makes a start failure an error of its own.
func (a *App) Start(ctx context.Context) error {
	return a.startWhenMigrated(ctx)
}

// Serve serves HTTP/1.1 and h2c on ln until ctx is done, then shuts down
// gracefully within the configured timeout.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	if err := a.Start(ctx); err != nil {
		_ = ln.Close()
		return err
	}
	defer a.hub.Close()
	if a.geo != nil {
		defer a.geo.Close()
	}
	go a.files.Run(ctx)
	// The mail worker runs while the instance serves.
	mailCtx, stopMail := context.WithCancel(ctx)
	mailDone := make(chan struct{})
	go func() { defer close(mailDone); a.runMail(mailCtx) }()
	go a.serveMail(mailCtx)
	defer func() { stopMail(); <-mailDone }()
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	// gRPC clients and load generators use HTTP/2 without TLS.
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{
		Handler:   a.Handler(),
		Protocols: protocols,
		HTTP2:     http2Config(),
		// No ReadTimeout or WriteTimeout: they would cut live streams.
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelDebug),
	}
	srv.RegisterOnShutdown(a.beginShutdown)
	errc := make(chan error, 1)
	go func() { errc <- a.serve(srv, ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down", "timeout", a.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		a.log.Warn("graceful shutdown timed out; closing connections", "err", err)
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// readyz answers 200 when the database is reachable and fully migrated, so a
// load balancer sends traffic only to instances that can serve it.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := a.ready(r.Context()); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// ready reports why the instance cannot serve, or nil: the database must
// be reachable and fully migrated.
func (a *App) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := a.pool.Ping(ctx); err != nil {
		a.log.WarnContext(ctx, "not ready: database unreachable", "err", err)
		return errors.New("database unreachable")
	}
	pending, err := db.Pending(ctx, a.pool)
	if err != nil {
		a.log.WarnContext(ctx, "not ready: migration status", "err", err)
		return errors.New("migration status unknown")
	}
	if pending > 0 {
		return fmt.Errorf("%d migrations pending", pending)
	}
	return nil
}

// healthChecker answers the gRPC health service as /readyz does, for the
// whole server ("") and for each of its services.
type healthChecker struct{ a *App }

func (h healthChecker) Check(ctx context.Context, req *grpchealth.CheckRequest) (*grpchealth.CheckResponse, error) {
	switch req.Service {
	case "", livechatv1connect.AuthServiceName, livechatv1connect.ConversationServiceName, livechatv1connect.WidgetServiceName,
		livechatv1connect.CannedResponseServiceName, livechatv1connect.TagServiceName, livechatv1connect.WebhookServiceName,
		livechatv1connect.RoutingServiceName, livechatv1connect.ReportServiceName, livechatv1connect.MailServiceName,
		livechatv1connect.CustomerServiceName, livechatv1connect.AuditServiceName, livechatv1connect.PrivacyServiceName,
		livechatv1connect.IntegrationServiceName, livechatv1connect.TeamServiceName, livechatv1connect.ViewServiceName:
	default:
		return nil, connectv1.NewError(connectv1.CodeNotFound, fmt.Errorf("unknown service %q", req.Service))
	}
	if h.a.ready(ctx) != nil {
		return &grpchealth.CheckResponse{Status: grpchealth.StatusNotServing}, nil
	}
	return &grpchealth.CheckResponse{Status: grpchealth.StatusServing}, nil
}

// withRequestID gives every request an id, echoed in X-Request-Id and
// attached to every log line written while serving it.
func (a *App) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(WithRequestID(r.Context(), id)))
	})
}

// maxRequestBytes bounds one request message (the largest, a widget's
// settings, is a few kilobytes).
const maxRequestBytes = 256 << 10

// recoverInterceptor turns a panic in a handler into an internal error with
// its stack, which the error interceptor logs, instead of a dropped
// connection.
func recoverInterceptor(next connect.ServerFunc) connect.ServerFunc {
	return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic in %s: %v\n%s", spec.Procedure, r, debug.Stack())
			}
		}()
		return next(ctx, spec, stream)
	}
}

// errorInterceptor is the one place where errors become Connect errors:
// coded domain errors keep their code and message, anything else is logged
// with the request id and reaches the client as a bare "internal error".
func (a *App) errorInterceptor(next connect.ServerFunc) connect.ServerFunc {
	return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) error {
		err := next(ctx, spec, stream)
		if err == nil {
			return nil
		}
		public, internal := apperr.ToConnect(err)
		if internal != nil {
			a.log.ErrorContext(ctx, "rpc failed", "procedure", spec.Procedure, "err", internal)
		}
		return public
	}
}

// credentials tells the realtime hub which stream credentials were revoked:
// dashboard sessions and API tokens (auth), visitor sessions (widgets).
type credentials struct {
	auth    *auth.Service
	widgets *widgets.Service
}

func (c credentials) RevokedAgentCredentials(ctx context.Context, ids []uuid.UUID) ([]uuid.UUID, error) {
	return c.auth.RevokedCredentials(ctx, ids)
}

func (c credentials) RevokedVisitorSessions(ctx context.Context, ids []uuid.UUID) ([]uuid.UUID, error) {
	return c.widgets.RevokedVisitorSessions(ctx, ids)
}

func (c credentials) Forget() { c.auth.Forget() }

var _ realtime.Credentials = credentials{}
