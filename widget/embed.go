// Package widget embeds the built chat widget (dist/, produced by
// `npm run build` in this folder) so the server binary carries it.
package widget

import "embed"

// Dist holds widget.js, widget.css and the lazily loaded assets/ they use.
// Before the first build it holds only a placeholder.
//
//go:embed all:dist
var Dist embed.FS
