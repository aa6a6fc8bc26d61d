package scaleout_test

import (
	"strings"
	"testing"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
)

// The fault suite passes only if its checks can fail: each kind of
// damage, planted in an otherwise clean run, must be reported.
func TestChaosCheckReportsEveryKindOfDamage(t *testing.T) {
	t.Parallel()
	const conv = "c1"
	// A clean run: the visitor sent v-0, the agent a-0 and the note a-1.
	clean := func() ([]storedMessage, *chaosSender, *chaosSender, *subscriber, *subscriber) {
		stored := []storedMessage{
			{id: "m1", sender: "customer", key: "v-0", seq: 1},
			{id: "s1", sender: "system", seq: 2},
			{id: "m2", sender: "agent", key: "a-0", seq: 3},
			{id: "m3", sender: "agent", key: "a-1", seq: 4, internal: true},
		}
		ack := func(key, id string) chaosAck { return chaosAck{key: key, msg: &livechatv1.Message{Id: id}} }
		vs := &chaosSender{name: "visitor", sent: 1, acks: []chaosAck{ack("v-0", "m1")}}
		as := &chaosSender{name: "agent", sent: 2, acks: []chaosAck{ack("a-0", "m2"), ack("a-1", "m3")}}
		agentSub := newSubscriber("agent", nil)
		visitorSub := newSubscriber("visitor", nil)
		for _, id := range []string{"m1", "s1", "m2", "m3"} {
			agentSub.seen[id] = 1
		}
		agentSub.seqs[conv] = []int64{1, 2, 3, 4}
		for _, id := range []string{"m1", "s1", "m2"} {
			visitorSub.seen[id] = 1
		}
		visitorSub.seqs[conv] = []int64{1, 2, 3}
		return stored, vs, as, agentSub, visitorSub
	}
	if r := checkChaos(clean()); len(r.problems) > 0 {
		t.Fatalf("a clean run reported %v", r.problems)
	}

	for _, tc := range []struct {
		name, want string
		damage     func(stored *[]storedMessage, vs, as *chaosSender, agentSub, visitorSub *subscriber)
	}{
		{"stored twice", "stored 2 times", func(stored *[]storedMessage, _, _ *chaosSender, _, _ *subscriber) {
			*stored = append(*stored, storedMessage{id: "m4", sender: "agent", key: "a-0", seq: 5})
		}},
		{"acknowledged, not stored", "not stored", func(stored *[]storedMessage, _, _ *chaosSender, _, _ *subscriber) {
			*stored = (*stored)[:3]
		}},
		{"never acknowledged", "never acknowledged", func(_ *[]storedMessage, vs, _ *chaosSender, _, _ *subscriber) {
			vs.unacked = []string{"v-1"}
		}},
		{"delivered twice", "more than once", func(_ *[]storedMessage, _, _ *chaosSender, agentSub, _ *subscriber) {
			agentSub.seen["m2"] = 2
		}},
		{"not delivered", "never delivered", func(_ *[]storedMessage, _, _ *chaosSender, _, visitorSub *subscriber) {
			delete(visitorSub.seen, "m2")
		}},
		{"note to the visitor", "internal notes", func(_ *[]storedMessage, _, _ *chaosSender, _, visitorSub *subscriber) {
			visitorSub.seen["m3"] = 1
		}},
		{"out of order", "seq 2 after 3", func(_ *[]storedMessage, _, _ *chaosSender, agentSub, _ *subscriber) {
			agentSub.seqs[conv] = []int64{1, 3, 2, 4}
		}},
		{"not in the database", "does not hold", func(_ *[]storedMessage, _, _ *chaosSender, agentSub, _ *subscriber) {
			agentSub.seen["m9"] = 1
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stored, vs, as, agentSub, visitorSub := clean()
			tc.damage(&stored, vs, as, agentSub, visitorSub)
			r := checkChaos(stored, vs, as, agentSub, visitorSub)
			if !strings.Contains(strings.Join(r.problems, "\n"), tc.want) {
				t.Fatalf("problems %q, want one mentioning %q", r.problems, tc.want)
			}
		})
	}
}
