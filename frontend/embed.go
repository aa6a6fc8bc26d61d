// Package frontend embeds the built agent dashboard (dist/, produced by
// `npm run build` in this folder) so the server binary carries it.
package frontend

import "embed"

// Dist holds the built dashboard. Before the first build it holds only a
// placeholder, and the server says how to build it.
//
//go:embed all:dist
var Dist embed.FS
