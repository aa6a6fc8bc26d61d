package app_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	validatorerrors "github.com/pb33f/libopenapi-validator/errors"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/openapi"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
)

func TestOpenAPIDocumentIsServed(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)

	res, body := rawGet(t, srv.URL+app.OpenAPIPath, map[string]string{"Origin": "https://docs.example"})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	for header, want := range map[string]string{
		"Content-Type":                "application/json",
		"Access-Control-Allow-Origin": "*", // docs tools elsewhere may read it
		"Cache-Control":               "public, max-age=300",
	} {
		if got := res.Header.Get(header); got != want {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}
	if !bytes.Equal(body, openapi.JSON) {
		t.Fatal("served document differs from the embedded one")
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}

	t.Run("revalidation answers 304", func(t *testing.T) {
		res, body := rawGet(t, srv.URL+app.OpenAPIPath, map[string]string{"If-None-Match": etag})
		if res.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Fatalf("status %d with %d bytes, want 304 and no body", res.StatusCode, len(body))
		}
	})

	t.Run("gzip when accepted", func(t *testing.T) {
		res, body := rawGet(t, srv.URL+app.OpenAPIPath, map[string]string{"Accept-Encoding": "gzip"})
		if res.Header.Get("Content-Encoding") != "gzip" || len(body) >= len(openapi.JSON)/4 {
			t.Fatalf("Content-Encoding %q, %d bytes of %d", res.Header.Get("Content-Encoding"), len(body), len(openapi.JSON))
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(plain, openapi.JSON) {
			t.Fatalf("gunzipped document differs (%v)", err)
		}
	})

	t.Run("valid OpenAPI 3.1", func(t *testing.T) {
		var top struct {
			OpenAPI string `json:"openapi"`
		}
		if err := json.Unmarshal(body, &top); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		if !strings.HasPrefix(top.OpenAPI, "3.") {
			t.Fatalf("openapi = %q, want 3.x", top.OpenAPI)
		}
		v := newValidator(t, body)
		if ok, errs := v.ValidateDocument(); !ok {
			reportInvalid(t, "document", errs)
		}
	})
}

// newValidator returns a validator of requests, responses and the document
// itself, against the OpenAPI document doc.
func newValidator(t *testing.T, doc []byte) validator.Validator {
	t.Helper()
	d, err := libopenapi.NewDocument(doc)
	if err != nil {
		t.Fatalf("parse OpenAPI document: %v", err)
	}
	v, errs := validator.NewValidator(d)
	if len(errs) > 0 {
		t.Fatalf("OpenAPI document: %v", errs)
	}
	return v
}

// reportInvalid fails the test with the validator's findings.
func reportInvalid(t *testing.T, what string, errs []*validatorerrors.ValidationError) {
	t.Helper()
	for _, e := range errs {
		t.Errorf("%s: %s: %s", what, e.Message, e.Reason)
		for _, se := range e.SchemaValidationErrors {
			t.Errorf("  at %s (%s): %s", se.FieldPath, se.KeywordLocation, se.Reason)
		}
	}
}

// apiDoc is the part of the OpenAPI document a client needs to call an RPC.
type apiDoc struct {
	Paths      map[string]map[string]apiOperation `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Const any `json:"const"`
		} `json:"schemas"`
	} `json:"components"`
}

type apiOperation struct {
	OperationID string `json:"operationId"`
	Parameters  []struct {
		Name     string `json:"name"`
		In       string `json:"in"`
		Required bool   `json:"required"`
		Schema   struct {
			Ref string `json:"$ref"`
		} `json:"schema"`
	} `json:"parameters"`
	RequestBody struct {
		Content map[string]json.RawMessage `json:"content"`
	} `json:"requestBody"`
}

// request builds a plain HTTP request for the operation with the given id
// from the document alone: its path and method, the required headers with
// the values the document fixes, and the request body's content type.
func (d *apiDoc) request(t *testing.T, baseURL, operationID string, body string) *http.Request {
	t.Helper()
	for path, item := range d.Paths {
		for method, op := range item {
			if op.OperationID != operationID {
				continue
			}
			var r io.Reader
			if body != "" {
				r = strings.NewReader(body)
			}
			req, err := http.NewRequestWithContext(t.Context(), strings.ToUpper(method), baseURL+path, r)
			if err != nil {
				t.Fatal(err)
			}
			for contentType := range op.RequestBody.Content {
				req.Header.Set("Content-Type", contentType)
			}
			for _, p := range op.Parameters {
				if p.In != "header" || !p.Required {
					continue
				}
				schema := d.Components.Schemas[strings.TrimPrefix(p.Schema.Ref, "#/components/schemas/")]
				if schema.Const == nil {
					t.Fatalf("%s: required header %s has no fixed value", operationID, p.Name)
				}
				v, _ := json.Marshal(schema.Const)
				req.Header.Set(p.Name, strings.Trim(string(v), `"`))
			}
			return req
		}
	}
	t.Fatalf("no operation %s in the document", operationID)
	return nil
}

// call sends req with plain net/http, checks the answer against the
// document (status, content type and body schema) and returns it.
func call(t *testing.T, v validator.Validator, req *http.Request, body string) (*http.Response, []byte) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	// The validator reads the bodies again.
	check := req.Clone(t.Context())
	check.Body = io.NopCloser(strings.NewReader(body))
	res.Body = io.NopCloser(bytes.NewReader(got))
	if ok, errs := v.ValidateHttpRequestResponse(check, res); !ok {
		reportInvalid(t, req.Method+" "+req.URL.Path+" not as documented", errs)
	}
	return res, got
}

// decode reads a JSON body into m, refusing fields the proto does not know.
func decode(t *testing.T, body []byte, m proto.Message) {
	t.Helper()
	if err := protojson.Unmarshal(body, m); err != nil {
		t.Fatalf("answer %s is not a %T: %v", body, m, err)
	}
}

func TestOpenAPIPlainHTTPCalls(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t, func(c *app.Config) { c.ScryptLogN = 10 })
	_, raw := rawGet(t, srv.URL+app.OpenAPIPath, nil)
	var doc apiDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	v := newValidator(t, raw)

	t.Run("anonymous POST: GetSetupState", func(t *testing.T) {
		req := doc.request(t, srv.URL, "livechat.v1.AuthService.GetSetupState", "{}")
		res, body := call(t, v, req, "{}")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", res.StatusCode, body)
		}
		var got livechatv1.GetSetupStateResponse
		decode(t, body, &got)
		if !got.SetupRequired {
			t.Fatalf("setupRequired = false on a fresh installation: %s", body)
		}
	})

	t.Run("curl command line built from the document", func(t *testing.T) {
		curl, err := exec.LookPath("curl")
		if err != nil {
			t.Skip("no curl on this machine; the net/http calls cover the same requests")
		}
		req := doc.request(t, srv.URL, "livechat.v1.AuthService.GetSetupState", "{}")
		args := []string{"-sS", "--fail-with-body", "-X", req.Method}
		for name, values := range req.Header {
			args = append(args, "-H", name+": "+values[0])
		}
		args = append(args, "--data-raw", "{}", req.URL.String())
		out, err := exec.CommandContext(t.Context(), curl, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		decode(t, out, &livechatv1.GetSetupStateResponse{})
	})

	t.Run("anonymous GET: GetSetupState", func(t *testing.T) {
		req := doc.request(t, srv.URL, "livechat.v1.AuthService.GetSetupState.get", "")
		req.URL.RawQuery = url.Values{"encoding": {"json"}, "message": {"{}"}}.Encode()
		res, body := call(t, v, req, "")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", res.StatusCode, body)
		}
		decode(t, body, &livechatv1.GetSetupStateResponse{})
	})

	// A backend's way in: an API token created by an admin.
	admin := srv.NewClient(nil)
	if _, err := admin.Auth.Setup(t.Context(), &livechatv1.SetupRequest{Username: "root", DisplayName: "Root", Password: testPassword}); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	created, err := admin.Auth.CreateApiToken(t.Context(), &livechatv1.CreateApiTokenRequest{Name: "crm", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN})
	if err != nil {
		t.Fatalf("CreateApiToken: %v", err)
	}

	t.Run("API token: GetMe", func(t *testing.T) {
		req := doc.request(t, srv.URL, "livechat.v1.AuthService.GetMe", "{}")
		req.Header.Set("Authorization", "Bearer "+created.Secret)
		res, body := call(t, v, req, "{}")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", res.StatusCode, body)
		}
		var got livechatv1.GetMeResponse
		decode(t, body, &got)
		if got.GetAgent().GetUsername() != "root" {
			t.Fatalf("GetMe answered %s, want the token's admin", body)
		}
	})

	t.Run("API token: ListConversations with fields", func(t *testing.T) {
		const body = `{"statuses":["CONVERSATION_STATUS_WAITING"],"pageSize":20}`
		req := doc.request(t, srv.URL, "livechat.v1.ConversationService.ListConversations", body)
		req.Header.Set("Authorization", "Bearer "+created.Secret)
		res, got := call(t, v, req, body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", res.StatusCode, got)
		}
		decode(t, got, &livechatv1.ListConversationsResponse{})
	})

	t.Run("error body: GetMe without credentials", func(t *testing.T) {
		req := doc.request(t, srv.URL, "livechat.v1.AuthService.GetMe", "{}")
		res, body := call(t, v, req, "{}")
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d: %s", res.StatusCode, body)
		}
		var e struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Details []struct {
				Type  string          `json:"type"`
				Value string          `json:"value"`
				Debug json.RawMessage `json:"debug"`
			} `json:"details"`
		}
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatal(err)
		}
		if e.Code != "unauthenticated" || e.Message == "" || len(e.Details) != 1 || e.Details[0].Type != "livechat.v1.ErrorDetail" {
			t.Fatalf("error body %s, want code, message and one livechat.v1.ErrorDetail", body)
		}
		// The documented two forms of the detail say the same.
		bin, err := base64.RawStdEncoding.DecodeString(e.Details[0].Value)
		if err != nil {
			t.Fatalf("value: %v", err)
		}
		var fromValue, fromDebug livechatv1.ErrorDetail
		if err := proto.Unmarshal(bin, &fromValue); err != nil {
			t.Fatal(err)
		}
		decode(t, e.Details[0].Debug, &fromDebug)
		if fromValue.Reason != livechatv1.ErrorReason_ERROR_REASON_SIGN_IN_REQUIRED || !proto.Equal(&fromValue, &fromDebug) {
			t.Fatalf("value %v and debug %v differ or are not SIGN_IN_REQUIRED", &fromValue, &fromDebug)
		}
	})
}
