package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/opensupport/livechat/server/dbtest"
)

func TestAgentCreate(t *testing.T) {
	url := dbtest.NewURL(t)
	t.Setenv("LIVECHAT_SCRYPT_LOG_N", "14")
	runAgent := func(stdin string, args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(t.Context(), append([]string{"agent", "create", "--database-url", url}, args...), strings.NewReader(stdin), &out, &errb)
		return code, out.String() + errb.String()
	}
	code, out := runAgent("s3cret password\n", "--username", "Ops", "--role", "admin", "--display-name", "Operations")
	if code != 0 || !strings.Contains(out, "created admin ops (Operations)") {
		t.Fatalf("exit %d: %s", code, out)
	}
	if strings.Contains(out, "s3cret") {
		t.Fatal("the password was printed")
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"another password\n", []string{"--username", "ops"}, `username "ops" is taken`},
		{"short\n", []string{"--username", "newbie"}, "at least 8"},
		{"", []string{"--username", "newbie"}, "no password"},
		{"good password\n", []string{"--username", "x"}, "username must be"},
		{"good password\n", []string{"--username", "newbie", "--role", "root"}, "--role must be"},
	} {
		code, out := runAgent(tc.stdin, tc.args...)
		if code == 0 || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, %q; want an error saying %q", tc.args, code, out, tc.want)
		}
	}
	t.Setenv("LIVECHAT_AGENT_PASSWORD", "from the environment")
	if code, out := runAgent("", "--username", "envy"); code != 0 {
		t.Fatalf("password from the environment: exit %d: %s", code, out)
	}
}
