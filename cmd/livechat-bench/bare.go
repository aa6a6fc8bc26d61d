package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os/signal"
	"syscall"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
)

// The bare server is M3's baseline: the same two Subscribe RPCs, served by
// connect-go v2 on the same kind of http.Server as livechat (HTTP/1.1 and
// h2c, no read or write timeouts), with handlers that send the ReadyEvent
// and then only block. What a livechat stream costs beyond it is what
// livechat adds: authentication, the hub's subscriber state, heartbeats.

const roleBareServer = "bare-server"

// bareConversations serves ConversationService.Subscribe only.
type bareConversations struct {
	livechatv1connect.UnimplementedConversationServiceHandler
}

// Subscribe sends a ReadyEvent and blocks until the client goes away.
func (bareConversations) Subscribe(ctx context.Context, _ *livechatv1.SubscribeRequest, s livechatv1connect.ConversationServiceSubscribeServerStream) error {
	if err := s.Send(&livechatv1.SubscribeResponse{Event: readyEvent()}); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// bareWidget serves WidgetService.Subscribe only.
type bareWidget struct {
	livechatv1connect.UnimplementedWidgetServiceHandler
}

// Subscribe sends a ReadyEvent and blocks until the client goes away.
func (bareWidget) Subscribe(ctx context.Context, _ *livechatv1.WidgetServiceSubscribeRequest, s livechatv1connect.WidgetServiceSubscribeServerStream) error {
	if err := s.Send(&livechatv1.WidgetServiceSubscribeResponse{Event: readyEvent()}); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

func readyEvent() *livechatv1.Event {
	return &livechatv1.Event{Kind: &livechatv1.Event_Ready{Ready: &livechatv1.ReadyEvent{}}}
}

func bareServer(args []string) error {
	fs := flag.NewFlagSet(roleBareServer, flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "listen address")
	certFile := fs.String("tls-cert", "", "serve HTTPS (HTTP/2 and HTTP/1.1) with this certificate")
	keyFile := fs.String("tls-key", "", "the key of -tls-cert")
	debugListen := fs.String("debug-listen", "", "serve /debug/pprof here, as livechat's metrics listener does")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := raiseNoFile(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	rpc := connect.NewServer()
	livechatv1connect.RegisterConversationServiceHandler(rpc, bareConversations{})
	livechatv1connect.RegisterWidgetServiceHandler(rpc, bareWidget{})
	mux := http.NewServeMux()
	connecthttp.Mount(mux, rpc)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })

	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	protocols.SetHTTP2(true)
	srv := &http.Server{
		Handler:           mux,
		Protocols:         protocols,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if *debugListen != "" {
		// The baseline's heap and goroutines, comparable with livechat's.
		dln, err := net.Listen("tcp", *debugListen)
		if err != nil {
			return err
		}
		dmux := http.NewServeMux()
		dmux.HandleFunc("GET /debug/pprof/", pprof.Index)
		dmux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		go func() { _ = http.Serve(dln, dmux) }() //nolint:gosec // loopback, this run only
	}
	errc := make(chan error, 1)
	go func() {
		if *certFile != "" {
			errc <- srv.ServeTLS(ln, *certFile, *keyFile)
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Print(err)
	}
	return nil
}
