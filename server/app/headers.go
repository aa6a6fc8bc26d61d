package app

import (
	"net/http"
	"strings"

	"github.com/opensupport/livechat/server/reqinfo"
)

// dashboardCSP is the Content-Security-Policy of the dashboard and of every
// response that is not a widget file.
//
//   - Scripts only from our origin: the dashboard is one bundled app and the
//     widget preview loads /widget.js from the same origin.
//   - 'unsafe-inline' styles: the dashboard's dialog and menu components
//     inject <style> elements at run time (scroll locking); style injection
//     cannot run code, so this is the usual trade-off.
//   - data: images for the inline favicon and avatars; blob: for generated
//     previews and downloads.
//   - frame-src 'self' blob: lets the dashboard preview the widget in a
//     frame of its own origin; frame-ancestors 'none' stops other sites from
//     framing the dashboard (clickjacking).
const dashboardCSP = "default-src 'self'; " +
	"script-src 'self'; " +
	"style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; " +
	"font-src 'self' data:; " +
	"connect-src 'self'; " +
	"frame-src 'self' blob:; " +
	"worker-src 'self' blob:; " +
	"object-src 'none'; " +
	"base-uri 'self'; " +
	"form-action 'self'; " +
	"frame-ancestors 'none'"

// hstsValue asks browsers to use HTTPS only for a year. It is sent only on
// responses that reached the client over HTTPS, and without
// includeSubDomains: other services on sibling names are not ours to decide.
const hstsValue = "max-age=31536000"

// isWidgetFile reports whether path is one of the files customers' sites
// embed: they must load on any origin.
func isWidgetFile(path string) bool {
	return path == "/widget.js" || path == "/widget.css" || strings.HasPrefix(path, "/widget-assets/")
}

// withSecurityHeaders sets the headers that protect the dashboard on every
// response, and the cross-origin-friendly ones on the widget files. It runs
// inside the client-info middleware so HSTS knows whether the client came
// over HTTPS.
func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if reqinfo.IsTLS(r.Context()) {
			h.Set("Strict-Transport-Security", hstsValue)
		}
		if isWidgetFile(r.URL.Path) {
			// Embeddable anywhere: no frame-ancestors, no framing
			// restriction, readable cross-origin.
			h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		} else {
			h.Set("Content-Security-Policy", dashboardCSP)
			h.Set("X-Frame-Options", "DENY") // for browsers without frame-ancestors
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
		}
		next.ServeHTTP(w, r)
	})
}
