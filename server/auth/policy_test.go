package auth_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect/v2"

	"google.golang.org/protobuf/reflect/protoreflect"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/auth/authapi"
)

// apiFiles are the proto files whose services the server serves.
var apiFiles = []protoreflect.FileDescriptor{
	livechatv1.File_livechat_v1_auth_proto,
	livechatv1.File_livechat_v1_conversation_proto,
	livechatv1.File_livechat_v1_widget_proto,
	livechatv1.File_livechat_v1_canned_proto,
	livechatv1.File_livechat_v1_tag_proto,
	livechatv1.File_livechat_v1_webhook_proto,
	livechatv1.File_livechat_v1_report_proto,
	livechatv1.File_livechat_v1_routing_proto,
	livechatv1.File_livechat_v1_mail_proto,
	livechatv1.File_livechat_v1_customer_proto,
	livechatv1.File_livechat_v1_audit_proto,
	livechatv1.File_livechat_v1_privacy_proto,
	livechatv1.File_livechat_v1_visitor_proto,
	livechatv1.File_livechat_v1_integration_proto,
	livechatv1.File_livechat_v1_team_proto,
	livechatv1.File_livechat_v1_view_proto,
}

// procedures lists every RPC of the API as "/pkg.Service/Method".
func procedures() []protoreflect.MethodDescriptor {
	var out []protoreflect.MethodDescriptor
	for _, f := range apiFiles {
		for i := range f.Services().Len() {
			s := f.Services().Get(i)
			for j := range s.Methods().Len() {
				out = append(out, s.Methods().Get(j))
			}
		}
	}
	return out
}

func procedureOf(m protoreflect.MethodDescriptor) string {
	return "/" + string(m.Parent().FullName()) + "/" + string(m.Name())
}

func TestPolicyCoversEveryProcedure(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, m := range procedures() {
		p := procedureOf(m)
		seen[p] = true
		if authapi.Policy[p] == authapi.Deny {
			t.Errorf("%s has no access policy: add it to authapi.Policy", p)
		}
	}
	if len(seen) < 39 {
		t.Fatalf("found only %d procedures; is a service missing from apiFiles?", len(seen))
	}
	// Entries for procedures that no longer exist are mistakes too.
	for p := range authapi.Policy {
		if !seen[p] && p != "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo" &&
			p != "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo" {
			t.Errorf("authapi.Policy lists %s, which the API does not have", p)
		}
	}
}

// TestProtoStatesTheDenialCodes: the API reference (the service comments in
// the proto files) must say what the interceptor does, which the matrix
// test checks cell by cell: without valid credentials UNAUTHENTICATED,
// with credentials of the wrong kind or role PERMISSION_DENIED. A service
// whose comment names only one of the two misleads clients.
func TestProtoStatesTheDenialCodes(t *testing.T) {
	t.Parallel()
	for _, f := range apiFiles {
		text, err := os.ReadFile(filepath.Join("..", "..", "proto", f.Path()))
		if err != nil {
			t.Fatal(err)
		}
		for i := range f.Services().Len() {
			svc := f.Services().Get(i)
			guarded := false
			for j := range svc.Methods().Len() {
				if authapi.Policy[procedureOf(svc.Methods().Get(j))] != authapi.Public {
					guarded = true
				}
			}
			if !guarded {
				continue
			}
			comment := serviceComment(string(text), string(svc.Name()))
			if comment == "" {
				t.Errorf("%s: no comment on service %s", f.Path(), svc.Name())
			}
			for _, code := range []string{"UNAUTHENTICATED", "PERMISSION_DENIED"} {
				if !strings.Contains(comment, code) {
					t.Errorf("%s: the comment of %s does not say when a caller gets %s", f.Path(), svc.Name(), code)
				}
			}
			if strings.Contains(comment, "anyone else gets UNAUTHENTICATED") {
				t.Errorf("%s: %s says anyone else gets UNAUTHENTICATED; callers of the wrong kind get PERMISSION_DENIED", f.Path(), svc.Name())
			}
		}
	}
}

// serviceComment returns the comment lines right above "service <name> {".
func serviceComment(text, name string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "service "+name+" ") {
			var out []string
			for j := i - 1; j >= 0 && strings.HasPrefix(lines[j], "//"); j-- {
				out = append([]string{strings.TrimPrefix(lines[j], "//")}, out...)
			}
			return strings.Join(out, "\n")
		}
	}
	return ""
}

// TestUnlistedProceduresAreDenied: a procedure missing from the policy table
// is refused before its handler runs, whoever calls.
func TestUnlistedProceduresAreDenied(t *testing.T) {
	t.Parallel()
	ran := false
	call := authapi.NewInterceptor(nil, nil, authapi.Web{}).Intercept(func(context.Context, connect.Spec, connect.ServerStream) error {
		ran = true
		return nil
	})
	err := call(context.Background(), connect.Spec{Procedure: "/livechat.v1.AuthService/NotInThePolicy"}, nil)
	if apperr.CodeOf(err) != apperr.CodePermissionDenied || ran {
		t.Fatalf("err = %v, handler ran = %v", err, ran)
	}
}
