package app

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/opensupport/livechat/gen/openapi"
	"github.com/opensupport/livechat/server/dbtest"
)

// apiPackage is the proto package of the API the document describes; the
// server also registers gRPC reflection, which is not part of it.
const apiPackage = "livechat.v1"

// TestOpenAPIDocumentsEveryRegisteredRPC fails when an RPC the server
// serves is missing from the OpenAPI document, is documented with the
// wrong messages, or when the document names an RPC the server does not
// serve.
func TestOpenAPIDocumentsEveryRegisteredRPC(t *testing.T) {
	t.Parallel()
	a, err := New(Config{Listen: "127.0.0.1:0", SecretsKeyFile: filepath.Join(t.TempDir(), "secrets.key")}, discardLogger(), dbtest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	type content map[string]struct {
		Schema struct {
			Ref string `json:"$ref"`
		} `json:"schema"`
	}
	type operation struct {
		OperationID string `json:"operationId"`
		RequestBody struct {
			Content content `json:"content"`
		} `json:"requestBody"`
		Responses map[string]struct {
			Content content `json:"content"`
		} `json:"responses"`
	}
	var doc struct {
		Paths map[string]map[string]operation `json:"paths"`
	}
	if err := json.Unmarshal(openapi.JSON, &doc); err != nil {
		t.Fatal(err)
	}
	ref := func(m protoreflect.MessageDescriptor) string { return "#/components/schemas/" + string(m.FullName()) }

	served := map[string]bool{}
	for spec := range a.rpc.Specs() {
		md, ok := spec.Schema.(protoreflect.MethodDescriptor)
		if !ok {
			t.Fatalf("%s: no method descriptor", spec.Procedure)
		}
		if md.ParentFile().Package() != apiPackage {
			continue
		}
		served[spec.Procedure] = true
		item := doc.Paths[spec.Procedure]
		post, ok := item["post"]
		if !ok {
			t.Errorf("%s: not documented (no POST at its path)", spec.Procedure)
			continue
		}
		if post.OperationID != string(md.FullName()) {
			t.Errorf("%s: operationId %q", spec.Procedure, post.OperationID)
		}
		// Unary RPCs take and give plain JSON; streams use the Connect
		// streaming framing.
		mediaType := "application/json"
		if spec.StreamType != connect.StreamTypeUnary {
			mediaType = "application/connect+json"
		}
		if got := post.RequestBody.Content[mediaType].Schema.Ref; got != ref(md.Input()) {
			t.Errorf("%s: %s request schema %q, want %q", spec.Procedure, mediaType, got, ref(md.Input()))
		}
		if got := post.Responses["200"].Content[mediaType].Schema.Ref; got != ref(md.Output()) {
			t.Errorf("%s: %s response schema %q, want %q", spec.Procedure, mediaType, got, ref(md.Output()))
		}
		if got := post.Responses["default"].Content[mediaType].Schema.Ref; got != "#/components/schemas/connect.error" {
			t.Errorf("%s: error schema %q", spec.Procedure, got)
		}
		// connect-go answers GET for unary RPCs without side effects.
		_, hasGet := item["get"]
		if wantGet := spec.StreamType == connect.StreamTypeUnary && spec.IdempotencyLevel == connect.IdempotencyNoSideEffects; hasGet != wantGet {
			t.Errorf("%s: GET documented %v, want %v", spec.Procedure, hasGet, wantGet)
		}
	}
	if len(served) == 0 {
		t.Fatal("the server registers no RPC of " + apiPackage)
	}
	for path := range doc.Paths {
		if !served[path] {
			t.Errorf("%s is documented but not served", path)
		}
	}
}
