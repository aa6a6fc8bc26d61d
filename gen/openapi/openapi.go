// Package openapi embeds the OpenAPI 3.1 document of the API's JSON form so
// the server binary can serve it. The document itself is generated from
// proto/ by protoc-gen-connect-openapi (see buf.gen.yaml) into
// livechat/v1/; this file is the only one here that is written by hand.
package openapi

import _ "embed"

// JSON is the OpenAPI document, served at /openapi.json.
//
//go:embed livechat/v1/livechat.openapi.json
var JSON []byte
